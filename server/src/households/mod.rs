//! Households (户) and household visits (走访), issue 14 — the domain core:
//! identity numbers and phones (`id_number.rs`, `phone.rs`), the household with
//! its people and special kinds (`household.rs`, the six kinds of the glossary),
//! the all-or-nothing CSV import (`import.rs`) and the visit rules with who is due
//! (`visits.rs`: twice a calendar year, 11.1.3; special households every quarter,
//! Annex A item 16; Asia/Shanghai years and quarters). See `docs/households.md`.
//!
//! Plain synchronous Rust like `cases/`: no storage, HTTP or runtime types. The
//! store, routes and pages are not built yet.
//!
//! Personal data: an identity number is kept only as a keyed hash and a mask;
//! `Debug` of people, phones and numbers prints masks, so a log line cannot carry
//! them whole.

pub mod household;
pub mod id_number;
pub mod import;
pub mod phone;
pub mod visits;

pub use household::{Household, HouseholdDraft, Person, SpecialKind, SpecialKinds};
pub use id_number::{IdHash, IdKey, IdNumber};
pub use phone::Phone;
pub use visits::{Outcome, Standing, Visit, compliance};

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    /// The layering rule of ARCHITECTURE.md for this module until `layering.rs`
    /// lists it: no I/O framework, nothing above the domain (the same names, whole
    /// path segments, comments and test modules skipped).
    #[test]
    fn households_import_nothing_above_the_domain() {
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
        fn files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs")
                    && p.file_name().is_some_and(|n| n != "tests.rs")
                {
                    out.push(p);
                }
            }
        }
        let mut all = Vec::new();
        files(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/households"),
            &mut all,
        );
        assert!(all.len() >= 6, "{all:?}");
        let mut bad = Vec::new();
        for p in all {
            let text = std::fs::read_to_string(&p).unwrap();
            // This file's own list of names, and the tests below it, are no imports.
            let text = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for name in FORBIDDEN {
                    let hit = code.match_indices(name).any(|(at, _)| {
                        let before = code[..at].chars().last();
                        let after = code[at + name.len()..].chars().next();
                        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
                    });
                    if hit {
                        bad.push(format!("{}:{}: {name}", p.display(), i + 1));
                    }
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
