//! The rules the code base keeps about itself, checked by `cargo xtask test` (and, for the ones
//! that need no cargo, by this crate's own tests): every Rust file opens with a `//!` line,
//! `ARCHITECTURE.md` names every source file, the system clock is read in one place, and the
//! layering of crates holds.

use std::path::Path;

use anyhow::{Result, bail};

use crate::shell;

/// Crates the core must never depend on (it does no network, no UI, no async runtime).
const FORBIDDEN_IN_CORE: &[&str] = &["tauri", "axum", "reqwest", "tokio", "clap", "hyper", "wry"];

/// What the push protocol (`twofold-push` without its `client` feature, as the server uses it)
/// must never depend on: it signs and parses, and does no IO.
const FORBIDDEN_IN_PROTOCOL: &[&str] = &[
    "tauri",
    "axum",
    "reqwest",
    "tokio",
    "clap",
    "hyper",
    "wry",
    "keyring-core",
    "eventsource-stream",
    "twofold-core",
];

/// The binaries: none may depend on another (they share files and libraries, never code).
const BINARIES: &[&str] = &["twofold-cli", "twofold-server", "twofold-desktop", "xtask"];

/// Source files by extension; `.json` only inside a `src/` directory (configuration elsewhere).
const SOURCE_EXTENSIONS: &[&str] = &["rs", "ts", "svelte", "py", "js", "mjs", "sql", "json"];

/// Tracked paths that are data, not source: fixtures, fuzz inputs, lock files, tool output.
const NOT_SOURCE: &[&str] = &[
    "node_modules/",
    "fuzz/seeds/",
    "fuzz/regressions/",
    "/fixtures/",
    "package-lock.json",
];

/// The one file that reads the system clock (each binary makes one `SystemClock` and passes it
/// in).
const CLOCK_FILE: &str = "crates/twofold-core/src/clock.rs";

/// Rust files other than [`CLOCK_FILE`] that read the system clock themselves.
fn clock_readers(root: &Path, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.ends_with(".rs") && f.as_str() != CLOCK_FILE)
        .filter(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap_or_default();
            text.contains(concat!("SystemTime", "::now"))
        })
        .cloned()
        .collect()
}

/// Runs every check; the first broken rule fails with all its offenders.
pub fn check() -> Result<()> {
    let files = tracked_files()?;
    let root = shell::root();
    let problems = module_docs(&root, &files);
    if !problems.is_empty() {
        bail!(
            "files without a `//!` first line:\n  {}",
            problems.join("\n  ")
        );
    }
    let readers = clock_readers(&root, &files);
    if !readers.is_empty() {
        bail!(
            "these files read the system clock; take a `Clock` from the binary instead ({CLOCK_FILE}):\n  {}",
            readers.join("\n  ")
        );
    }
    let map = std::fs::read_to_string(root.join("ARCHITECTURE.md"))?;
    let missing = unlisted(&map, &files);
    if !missing.is_empty() {
        bail!(
            "ARCHITECTURE.md does not list these source files (name them in their area's section):\n  {}",
            missing.join("\n  ")
        );
    }
    eprintln!(
        "house: {} source files, each with its `//!` line and in ARCHITECTURE.md",
        files.len()
    );
    layering()
}

/// The tracked files of the repository.
fn tracked_files() -> Result<Vec<String>> {
    let out = shell::output(
        std::process::Command::new("git")
            .args(["-C"])
            .arg(shell::root())
            .args(["ls-files"]),
    )?;
    Ok(out.lines().map(str::to_owned).collect())
}

/// Rust files whose first line is not a `//!` comment.
fn module_docs(root: &Path, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| f.ends_with(".rs"))
        .filter(|f| {
            let text = std::fs::read_to_string(root.join(f)).unwrap_or_default();
            !text.starts_with("//!")
        })
        .cloned()
        .collect()
}

fn is_source(path: &str) -> bool {
    let Some((_, ext)) = path.rsplit_once('.') else {
        return false;
    };
    if !SOURCE_EXTENSIONS.contains(&ext) || NOT_SOURCE.iter().any(|n| path.contains(n)) {
        return false;
    }
    ext != "json" || path.contains("/src/")
}

/// The `### \`area\`` section a file belongs to, and the file's path inside that area.
fn area_of(path: &str) -> Option<(String, &str)> {
    if let Some(rest) = path.strip_prefix("crates/") {
        let (name, inner) = rest.split_once('/')?;
        return Some((format!("crates/{name}"), inner));
    }
    if let Some(inner) = path.strip_prefix("tests/desktop/") {
        return Some(("tests/desktop".to_owned(), inner));
    }
    let (top, inner) = path.split_once('/')?;
    Some((top.to_owned(), inner))
}

/// The text of the section whose heading names `area` in backquotes.
fn section<'a>(map: &'a str, area: &str) -> Option<&'a str> {
    let heading = format!("### `{area}`");
    let start = map.find(&heading)?;
    let body = &map[start + heading.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    Some(&body[..end])
}

/// The path-like words of a text that end in a source extension (`store/push.rs`, `*.test.ts`).
fn named_files(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "_.*/-".contains(c)))
        .filter(|w| {
            w.rsplit_once('.')
                .is_some_and(|(_, ext)| SOURCE_EXTENSIONS.contains(&ext))
        })
        .collect()
}

/// Whether `pattern` (`*` matches within one path component) matches the whole of `text`.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .take_while(|&i| !rest[..i].contains('/'))
                .any(|i| rest.is_char_boundary(i) && glob(tail, &rest[i..]))
        }
    }
}

/// Whether a name in the map stands for `inner` (a path inside its area): it matches a tail of
/// the path that starts at a component; a bare `mod.rs` names no file.
fn names(name: &str, inner: &str) -> bool {
    if name == "mod.rs" {
        return false;
    }
    let mut tail = inner;
    loop {
        if glob(name, tail) {
            return true;
        }
        match tail.split_once('/') {
            Some((_, rest)) => tail = rest,
            None => return false,
        }
    }
}

/// Source files that the section of their area in `ARCHITECTURE.md` does not name.
fn unlisted(map: &str, files: &[String]) -> Vec<String> {
    files
        .iter()
        .filter(|f| is_source(f))
        .filter(|f| {
            let Some((area, inner)) = area_of(f) else {
                return true;
            };
            let Some(text) = section(map, &area) else {
                return true;
            };
            !named_files(text).iter().any(|n| names(n, inner))
        })
        .cloned()
        .collect()
}

/// `cargo tree` of one package's normal dependencies, one crate name per line.
fn dependencies(package: &str, extra: &[&str]) -> Result<Vec<String>> {
    let tree = shell::output(
        shell::cargo()
            .args(["tree", "-p", package, "-e", "normal", "--prefix", "none"])
            .args(extra),
    )?;
    Ok(tree
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect())
}

fn layering() -> Result<()> {
    for name in dependencies("twofold-core", &[])? {
        if FORBIDDEN_IN_CORE.contains(&name.as_str()) {
            bail!("layering: twofold-core depends on `{name}`, which it must not");
        }
    }
    for name in dependencies("twofold-push", &["--no-default-features"])? {
        if FORBIDDEN_IN_PROTOCOL.contains(&name.as_str()) {
            bail!(
                "layering: twofold-push's protocol (no default features, as the server uses it) \
                 depends on `{name}`, which it must not"
            );
        }
    }
    for binary in BINARIES {
        for name in dependencies(binary, &[])? {
            if BINARIES.contains(&name.as_str()) {
                bail!("layering: the binary {binary} depends on the binary {name}");
            }
        }
    }
    eprintln!(
        "layering: twofold-core depends on none of {FORBIDDEN_IN_CORE:?}; the push protocol on \
         none of {FORBIDDEN_IN_PROTOCOL:?}; no binary on another"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo_files() -> Vec<String> {
        tracked_files().expect("git ls-files")
    }

    #[test]
    fn every_rust_file_opens_with_a_module_comment() {
        let problems = module_docs(&shell::root(), &repo_files());
        assert!(problems.is_empty(), "no `//!` first line: {problems:?}");
    }

    #[test]
    fn only_the_clock_module_reads_the_system_clock() {
        let readers = clock_readers(&shell::root(), &repo_files());
        assert!(readers.is_empty(), "read the system clock: {readers:?}");
    }

    #[test]
    fn the_architecture_map_lists_every_source_file() {
        let map = std::fs::read_to_string(shell::root().join("ARCHITECTURE.md")).unwrap();
        let missing = unlisted(&map, &repo_files());
        assert!(missing.is_empty(), "not in ARCHITECTURE.md: {missing:#?}");
    }

    #[test]
    fn a_name_in_the_map_stands_for_the_files_it_names_and_no_other() {
        assert!(names("store/push.rs", "src/store/push.rs"));
        assert!(names("push.rs", "src/store/push.rs"));
        assert!(!names("re/push.rs", "src/store/push.rs"));
        assert!(names("common/mod.rs", "benches/common/mod.rs"));
        assert!(!names("mod.rs", "benches/common/mod.rs"));
        assert!(names("*.test.ts", "src/lib/accounts/CodeList.test.ts"));
        assert!(names(
            "migrations/sqlite/*.sql",
            "migrations/sqlite/0001_init.sql"
        ));
        assert!(!names(
            "migrations/sqlite/*.sql",
            "migrations/postgres/0001_init.sql"
        ));
        assert!(!names("src/*.ts", "src/lib/format.ts"));
    }

    #[test]
    fn a_file_missing_from_its_section_is_reported_even_when_another_section_names_it() {
        let map = "### `crates/a`\n\n- `lib.rs` — a\n\n### `crates/b`\n\n- `main.rs`\n";
        let files = [
            "crates/a/src/lib.rs",
            "crates/b/src/lib.rs",
            "crates/b/src/main.rs",
        ]
        .map(str::to_owned);
        assert_eq!(unlisted(map, &files), ["crates/b/src/lib.rs"]);
        assert_eq!(
            area_of("tests/desktop/x.py"),
            Some(("tests/desktop".into(), "x.py"))
        );
        assert!(!is_source("ui/package.json"));
        assert!(is_source("crates/s/src/openapi.json"));
        assert!(!is_source("fuzz/seeds/vault_file/a.json"));
    }
}
