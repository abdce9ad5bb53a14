//! The TypeScript wrapper of every IPC command (`ui/src/lib/ipc/commands.ts`), generated from
//! the Rust signatures: the commands `with_commands` registers, in its order, their arguments
//! (the ones the page sends; Tauri's state, app handle and raw request are not) and what they
//! return. The committed file must match (`TWOFOLD_BLESS=1 cargo test -p twofold-desktop`
//! rewrites it), so a command and its wrapper cannot drift apart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use quote::ToTokens;
use syn::{FnArg, GenericArgument, Item, PathArguments, ReturnType, Type};

/// Arguments whose TypeScript type is narrower than their Rust one (parsed in Rust with a
/// message of its own, so they arrive as text).
const NARROWER: &[(&str, &str, &str)] = &[("push_answer", "decision", "Decision")];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `commands::scan::preview_link` → `commands/scan.rs`, `preview_link`.
fn registered() -> Vec<(PathBuf, String)> {
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap();
    let start = lib
        .find("generate_handler![")
        .expect("with_commands' handler list");
    let list = &lib[start + "generate_handler![".len()..];
    let list = &list[..list.find(']').unwrap()];
    list.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut parts: Vec<&str> = p.split("::").collect();
            let name = parts.pop().unwrap().to_owned();
            let file = src().join(format!("{}.rs", parts.join("/")));
            (file, name)
        })
        .collect()
}

fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The last segment of a type path and its generic arguments.
fn last_segment(ty: &Type) -> Option<(String, Vec<Type>)> {
    let Type::Path(p) = ty else { return None };
    let seg = p.path.segments.last()?;
    let args = match &seg.arguments {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                GenericArgument::Type(t) => Some(t.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((seg.ident.to_string(), args))
}

/// A Rust type as TypeScript; named types are collected for the import line.
fn ts(ty: &Type, named: &mut BTreeSet<String>) -> String {
    if let Type::Tuple(t) = ty
        && t.elems.is_empty()
    {
        return "null".into();
    }
    if let Type::Reference(r) = ty {
        return ts(&r.elem, named);
    }
    let (name, args) =
        last_segment(ty).unwrap_or_else(|| panic!("unsupported type {}", ty.to_token_stream()));
    match name.as_str() {
        "String" | "str" => "string".into(),
        "bool" => "boolean".into(),
        "u8" | "u16" | "u32" | "u64" | "i32" | "i64" | "usize" | "f64" => "number".into(),
        "Option" => format!("{} | null", ts(&args[0], named)),
        "Vec" => {
            let inner = ts(&args[0], named);
            if inner.contains(' ') {
                format!("({inner})[]")
            } else {
                format!("{inner}[]")
            }
        }
        _ => {
            named.insert(name.clone());
            name
        }
    }
}

/// What the command resolves to: `T` of `Result<T, IpcError>`, or the plain return type.
fn resolves_to(output: &ReturnType, named: &mut BTreeSet<String>) -> String {
    match output {
        ReturnType::Default => "null".into(),
        ReturnType::Type(_, ty) => match last_segment(ty) {
            Some((name, args)) if name == "Result" => ts(&args[0], named),
            _ => ts(ty, named),
        },
    }
}

/// The first paragraph of a doc comment, on one line.
fn summary(attrs: &[syn::Attribute]) -> Option<String> {
    let lines: Vec<String> = attrs
        .iter()
        .filter_map(|a| {
            let syn::Meta::NameValue(nv) = &a.meta else {
                return None;
            };
            if !nv.path.is_ident("doc") {
                return None;
            }
            let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            else {
                return None;
            };
            Some(s.value().trim().to_owned())
        })
        .take_while(|l| !l.is_empty())
        .collect();
    (!lines.is_empty()).then(|| lines.join(" "))
}

fn find_fn(file: &Path, name: &str) -> syn::ItemFn {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let parsed = syn::parse_file(&text).unwrap();
    parsed
        .items
        .into_iter()
        .find_map(|item| match item {
            Item::Fn(f) if f.sig.ident == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no fn {name} in {}", file.display()))
}

/// The generated module.
fn generate() -> String {
    let mut named = BTreeSet::new();
    let mut body = String::new();
    for (file, name) in registered() {
        let f = find_fn(&file, &name);
        let mut params = Vec::new();
        let mut keys = Vec::new();
        let mut raw_body = false;
        for input in &f.sig.inputs {
            let FnArg::Typed(arg) = input else { continue };
            let arg_name = arg.pat.to_token_stream().to_string();
            match last_segment(&arg.ty).map(|(n, _)| n).as_deref() {
                Some("State" | "AppHandle" | "Window" | "WebviewWindow" | "Webview") => continue,
                Some("Request") => {
                    raw_body = true;
                    continue;
                }
                _ => {}
            }
            let narrower = NARROWER
                .iter()
                .find(|(c, a, _)| *c == name && *a == arg_name)
                .map(|(_, _, t)| {
                    named.insert((*t).to_owned());
                    (*t).to_owned()
                });
            let ty = narrower.unwrap_or_else(|| ts(&arg.ty, &mut named));
            let js = camel(&arg_name);
            params.push(format!("{js}: {ty}"));
            keys.push(js);
        }
        let out = resolves_to(&f.sig.output, &mut named);
        if let Some(doc) = summary(&f.attrs) {
            body.push_str(&format!("/** {doc} */\n"));
        }
        let wrapper = camel(&name);
        if raw_body {
            assert!(params.is_empty(), "{name}: a raw body and arguments");
            body.push_str(&format!(
                "export const {wrapper} = (body: Uint8Array) => invoke<{out}>(\"{name}\", body);\n"
            ));
        } else if keys.is_empty() {
            body.push_str(&format!(
                "export const {wrapper} = () => invoke<{out}>(\"{name}\");\n"
            ));
        } else {
            body.push_str(&format!(
                "export const {wrapper} = ({}) => invoke<{out}>(\"{name}\", {{ {} }});\n",
                params.join(", "),
                keys.join(", ")
            ));
        }
    }
    let imports: Vec<String> = named.into_iter().collect();
    format!(
        "// Generated from the #[tauri::command] signatures by src-tauri/tests/ipc_commands.rs. Do not edit.\n\
         import {{ invoke }} from \"@tauri-apps/api/core\";\n\
         import type {{ {} }} from \"./bindings\";\n\n{body}",
        imports.join(", ")
    )
}

#[test]
fn the_command_wrappers_are_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/commands.ts");
    let generated = generate();
    if std::env::var_os("TWOFOLD_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        committed, generated,
        "ui/src/lib/ipc/commands.ts is stale: run `TWOFOLD_BLESS=1 cargo test -p twofold-desktop`"
    );
}

#[test]
fn rust_types_become_their_typescript_spelling() {
    let mut named = BTreeSet::new();
    let ty = |s: &str| syn::parse_str::<Type>(s).unwrap();
    assert_eq!(ts(&ty("Option<Vec<u32>>"), &mut named), "number[] | null");
    assert_eq!(
        ts(&ty("Vec<Option<String>>"), &mut named),
        "(string | null)[]"
    );
    assert_eq!(ts(&ty("&str"), &mut named), "string");
    assert_eq!(ts(&ty("crate::x::Preview"), &mut named), "Preview");
    assert_eq!(named.into_iter().collect::<Vec<_>>(), ["Preview"]);
    assert_eq!(camel("protect_with_passphrase"), "protectWithPassphrase");
}
