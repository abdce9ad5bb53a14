//! The page gets only the Tauri permissions it uses: every `@tauri-apps/*` import in `ui/src`
//! must be a known one, and `capabilities/*.json` grants exactly what those imports need.

use std::collections::BTreeSet;
use std::path::Path;

/// What each import the page may use needs (app commands through `invoke` need nothing).
const NEEDS: &[(&str, &[&str])] = &[
    ("@tauri-apps/api/core", &[]),
    (
        "@tauri-apps/api/event",
        &["core:event:allow-listen", "core:event:allow-unlisten"],
    ),
    // `onDragDropEvent` listens to the webview's drag-and-drop events.
    (
        "@tauri-apps/api/webview",
        &["core:event:allow-listen", "core:event:allow-unlisten"],
    ),
];

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.to_string_lossy().into_owned();
        if path.is_dir() {
            sources(&path, out);
        } else if (name.ends_with(".ts") || name.ends_with(".svelte")) && !name.contains(".test.") {
            out.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn capabilities_grant_only_what_the_page_uses() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("../ui/src"), &mut files);
    assert!(files.len() > 5, "ui/src read");
    let mut needed = BTreeSet::new();
    for (file, text) in &files {
        for module in text
            .split(['"', '\''])
            .filter(|s| s.starts_with("@tauri-apps/"))
        {
            let Some((_, needs)) = NEEDS.iter().find(|(m, _)| *m == module) else {
                panic!("{file} imports {module}: add what it needs to NEEDS and the capability");
            };
            needed.extend(needs.iter().map(|p| p.to_string()));
        }
    }
    let mut granted = BTreeSet::new();
    for entry in std::fs::read_dir(root.join("capabilities")).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        for p in json["permissions"].as_array().unwrap() {
            granted.insert(p.as_str().expect("permissions are names").to_owned());
        }
    }
    assert_eq!(
        granted, needed,
        "the capabilities must grant exactly what ui/src uses"
    );
}
