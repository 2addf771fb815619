//! The layering invariant of ARCHITECTURE.md, checked: the domain modules
//! (`domain/`, `index/`, `lookup/`, `coverage/`, `edit/`, `accounts/`, `cases/`,
//! `open311/`, `patrols/`, `households/`, `teams/`) are plain synchronous Rust.
//! They import no I/O framework (axum, sqlx, tokio) and no module above them
//! (`store/`, `vector_tiles/`, `http/`, `app`, `follow`, `cli`). A forbidden import
//! fails this test, naming the file and the line. Test modules (`tests.rs`) are
//! exempt: they sit above everything.

use std::path::{Path, PathBuf};

/// The modules that must stay below storage, tiles and HTTP.
const DOMAIN: [&str; 11] = [
    "domain",
    "index",
    "lookup",
    "coverage",
    "edit",
    "accounts",
    "cases",
    "open311",
    "patrols",
    "households",
    "teams",
];

/// What they may not name.
const FORBIDDEN: [&str; 14] = [
    "axum",
    "sqlx",
    "tokio",
    "tower",
    "crate::store",
    "crate::vector_tiles",
    "crate::http",
    "crate::app",
    "crate::follow",
    "crate::cli",
    "crate::import",
    "crate::export",
    "crate::case_desk",
    "crate::patrol_desk",
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            // Test modules sit above everything (they load demo files, for one).
            && p.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(p);
        }
    }
}

/// Every forbidden name in code (comments skipped) of the domain modules, as
/// `file:line: name`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    for m in DOMAIN {
        rust_files(&src.join(m), &mut files);
    }
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for name in FORBIDDEN {
                let hit = code.match_indices(name).any(|(at, _)| {
                    // A whole path segment: `axum::…`, not `maxum`.
                    let before = code[..at].chars().last();
                    let after = code[at + name.len()..].chars().next();
                    !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                        && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                });
                if hit {
                    out.push(format!("{}:{}: {name}", f.display(), i + 1));
                }
            }
        }
    }
    out
}

#[test]
fn domain_modules_import_nothing_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let v = violations(&src);
    assert!(
        v.is_empty(),
        "forbidden imports in the domain modules:\n{}",
        v.join("\n")
    );
}

#[test]
fn the_check_sees_a_forbidden_import() {
    let dir = std::env::temp_dir().join(format!("gridd-layering-{}", std::process::id()));
    let edit = dir.join("edit");
    std::fs::create_dir_all(&edit).expect("temp dir");
    std::fs::write(
        edit.join("bad.rs"),
        "// crate::store in a comment is fine\nuse crate::store::Store;\nfn f(x: maxum) {}\n",
    )
    .expect("write");
    let v = violations(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(v[0].ends_with("bad.rs:2: crate::store"), "{v:?}");
}
