//! The layer rule, read from the sources: a module of `app/src` imports only modules listed
//! before it in [`LAYERS`], and inside a feature a store imports no service, a service no
//! server function, a server function no page. The README's layout section says the same.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
};

/// The top-level modules of `app/src`, lowest first.
const LAYERS: &[&str] = &[
    // Shared types: plain data and rules, compiled for the server and the browser.
    "errors",
    "validate",
    "attack",
    "severity",
    "roles",
    "observables",
    "timeline",
    "components",
    // The ground floor: database, clock, actor, secrets, storage, listeners.
    "platform",
    // The one write path.
    "journal",
    // Features, each using only those above it in this list.
    "accounts",
    "audit",
    "watchlists",
    "fields",
    "cases",
    "playbooks",
    "templates",
    "evidence",
    "alerts",
    "search",
    "thehive",
    "outbox",
    "notifications",
    "sla",
    "tiers",
    "handover",
    "exports",
    "reports",
    "dashboard",
    // The case page, reading every feature of a case.
    "workspace",
    // The application: route table, layout, and the list of listeners.
    "shell",
    "wiring",
    "testing",
];

/// Macros `#[macro_export]`ed at the crate root by `platform::db`.
const ROOT_MACROS: &[&str] = &["on_pool", "on_tx", "execute_tx"];

/// How high a file stands inside its feature.
fn kind_rank(segment: &str) -> Option<u8> {
    match segment {
        "store" => Some(1),
        "service" => Some(2),
        "api" => Some(3),
        "pages" => Some(4),
        _ => None,
    }
}

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|m| *m == module)
}

/// `path` relative to `src`, as module segments (`cases/store.rs` → `["cases", "store"]`).
fn module_of(src: &Path, path: &Path) -> Vec<String> {
    let rel = path.strip_prefix(src).unwrap().with_extension("");
    let mut segs: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    segs
}

/// The source without comments, string literals and inline test modules.
fn code_of(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut escaped = false;
                for c in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if c == '\\' {
                        escaped = true;
                    } else if c == '"' {
                        break;
                    }
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Every path that follows `prefix` (`crate::` or `super::`), with `{…}` groups expanded:
/// `crate::{a::{b, c}, d}` gives `a::b`, `a::c` and `d`.
fn paths_after(code: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut from = 0;
    while let Some(i) = code[from..].find(prefix) {
        let start = from + i;
        from = start + prefix.len();
        if start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
            continue;
        }
        let (paths, _) = parse_tree(&code[from..]);
        out.extend(paths);
    }
    out
}

/// Parses `a::b::{c, d::e}` from the start of `s`; returns the paths and the bytes consumed.
fn parse_tree(s: &str) -> (Vec<Vec<String>>, usize) {
    let mut head = Vec::new();
    let mut i = 0;
    let b = s.as_bytes();
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if i < b.len() && b[i] == b'{' {
            i += 1;
            let mut all = Vec::new();
            loop {
                while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b',') {
                    i += 1;
                }
                if i >= b.len() || b[i] == b'}' {
                    i += 1;
                    break;
                }
                let (sub, used) = parse_tree(&s[i..]);
                i += used.max(1);
                for p in sub {
                    let mut full = head.clone();
                    full.extend(p);
                    all.push(full);
                }
                // Skip `as name` and anything else up to the next item.
                while i < b.len() && b[i] != b',' && b[i] != b'}' {
                    i += 1;
                }
            }
            return (all, i);
        }
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
            i += 1;
        }
        if start == i {
            return (vec![head], i);
        }
        head.push(s[start..i].to_string());
        if s[i..].starts_with("::") {
            i += 2;
        } else {
            return (vec![head], i);
        }
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every import of `app/src` that breaks the rule, as `file: imported path (why)`.
fn upward_imports(src: &Path) -> BTreeSet<String> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut wrong = BTreeSet::new();
    for file in files {
        let module = module_of(src, &file);
        let Some(top) = module.first() else { continue };
        if top == "lib" || top == "main" {
            continue;
        }
        let here =
            rank(top).unwrap_or_else(|| panic!("{top} is not in LAYERS: say where it stands"));
        let own_kind = module.get(1).and_then(|s| kind_rank(s));
        let code = code_of(&fs::read_to_string(&file).unwrap());
        let name = file.strip_prefix(src).unwrap().display().to_string();
        let mut imports: Vec<Vec<String>> = paths_after(&code, "crate::");
        // `super::x` in `cases/store.rs` names `cases::x`; in a `mod.rs` it comes from an
        // inline module (`mod ssr { use super::… }`) and names the file's own module.
        let is_mod_rs = file.file_name().is_some_and(|f| f == "mod.rs");
        let parent = if is_mod_rs {
            &module[..]
        } else {
            &module[..module.len().saturating_sub(1)]
        };
        for p in paths_after(&code, "super::") {
            let mut full = parent.to_vec();
            full.extend(p);
            imports.push(full);
        }
        for mut path in imports {
            if path.last().is_some_and(|s| s == "self") {
                path.pop();
            }
            let Some(target) = path.first() else { continue };
            if ROOT_MACROS.contains(&target.as_str()) || target == "self" {
                continue;
            }
            let Some(there) = rank(target) else {
                wrong.insert(format!("{name}: crate::{} (not a layer)", path.join("::")));
                continue;
            };
            if there > here {
                wrong.insert(format!(
                    "{name}: crate::{} (a higher layer)",
                    path.join("::")
                ));
                continue;
            }
            // A store, service or server function importing a higher kind of file, in its own
            // feature or another one.
            let their_kind = path.get(1).and_then(|s| kind_rank(s));
            if let (Some(own), Some(theirs)) = (own_kind, their_kind)
                && theirs > own
            {
                wrong.insert(format!(
                    "{name}: crate::{} (a higher kind of file)",
                    path.join("::")
                ));
            }
        }
    }
    wrong
}

#[test]
fn imports_run_down_the_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let wrong = upward_imports(&src);
    assert!(
        wrong.is_empty(),
        "{} imports run up (LAYERS in app/tests/layers.rs lists the order):\n{}",
        wrong.len(),
        wrong.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn the_rule_sees_an_upward_import() {
    let dir = std::env::temp_dir().join(format!("casefile-layers-{}", std::process::id()));
    let src = dir.as_path();
    fs::create_dir_all(src.join("platform")).unwrap();
    fs::create_dir_all(src.join("cases")).unwrap();
    fs::write(
        src.join("platform/mod.rs"),
        "use crate::{errors, cases::{self, store::CaseRow}};\n// crate::tiers in a comment\n",
    )
    .unwrap();
    fs::write(
        src.join("cases/store.rs"),
        "use super::{Case, service::to_case};\nfn f() { crate::journal::Change::begin(); }\n",
    )
    .unwrap();
    fs::write(
        src.join("cases/mod.rs"),
        "fn g() -> &str { \"crate::shell\" }\n",
    )
    .unwrap();
    let wrong = upward_imports(src);
    assert_eq!(
        wrong.into_iter().collect::<Vec<_>>(),
        vec![
            "cases/store.rs: crate::cases::service::to_case (a higher kind of file)".to_string(),
            "platform/mod.rs: crate::cases (a higher layer)".to_string(),
            "platform/mod.rs: crate::cases::store::CaseRow (a higher layer)".to_string(),
        ]
    );
    fs::remove_dir_all(dir).unwrap();
}
