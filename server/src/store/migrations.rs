//! The schema migrations of both stores, embedded in the binary.
//!
//! `sqlx::migrate!` would do the same at compile time, but its proc macro builds
//! sqlx's PostgreSQL and SQLite drivers a second time (SQLite's C source included)
//! for the compiler's host, a large share of a cold build. The files and their
//! checksums are the same either way (SHA-384 of the SQL, computed by
//! `Migration::new`), so a database migrated by either is valid for the other.

use std::borrow::Cow;

use futures::future::BoxFuture;
use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// One migration: version, description (as `migrate!` derives it from the file
/// name), SQL.
type Embedded = (i64, &'static str, &'static str);

/// `migrations/postgres/`.
pub(super) const POSTGRES: &[Embedded] = &[
    (
        1,
        "grids",
        include_str!("../../../migrations/postgres/0001_grids.sql"),
    ),
    (
        2,
        "edits",
        include_str!("../../../migrations/postgres/0002_edits.sql"),
    ),
    (
        3,
        "change log",
        include_str!("../../../migrations/postgres/0003_change_log.sql"),
    ),
    (
        4,
        "geometry storage",
        include_str!("../../../migrations/postgres/0004_geometry_storage.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../../migrations/postgres/0005_accounts.sql"),
    ),
    (
        6,
        "cases",
        include_str!("../../../migrations/postgres/0006_cases.sql"),
    ),
    (
        7,
        "tracks",
        include_str!("../../../migrations/postgres/0007_tracks.sql"),
    ),
    (
        8,
        "households",
        include_str!("../../../migrations/postgres/0008_households.sql"),
    ),
    (
        9,
        "teams",
        include_str!("../../../migrations/postgres/0009_teams.sql"),
    ),
];

/// `migrations/gpkg/`.
pub(super) const GPKG: &[Embedded] = &[
    (
        1,
        "grids",
        include_str!("../../../migrations/gpkg/0001_grids.sql"),
    ),
    (
        2,
        "edits",
        include_str!("../../../migrations/gpkg/0002_edits.sql"),
    ),
    (
        3,
        "change log",
        include_str!("../../../migrations/gpkg/0003_change_log.sql"),
    ),
    (
        4,
        "geometry storage",
        include_str!("../../../migrations/gpkg/0004_geometry_storage.sql"),
    ),
    (
        5,
        "accounts",
        include_str!("../../../migrations/gpkg/0005_accounts.sql"),
    ),
    (
        6,
        "cases",
        include_str!("../../../migrations/gpkg/0006_cases.sql"),
    ),
    (
        7,
        "tracks",
        include_str!("../../../migrations/gpkg/0007_tracks.sql"),
    ),
    (
        8,
        "households",
        include_str!("../../../migrations/gpkg/0008_households.sql"),
    ),
    (
        9,
        "teams",
        include_str!("../../../migrations/gpkg/0009_teams.sql"),
    ),
];

#[derive(Debug)]
struct Source(&'static [Embedded]);

impl<'s> MigrationSource<'s> for Source {
    fn resolve(self) -> BoxFuture<'s, Result<Vec<Migration>, BoxDynError>> {
        Box::pin(async move {
            Ok(self
                .0
                .iter()
                .map(|&(version, description, sql)| {
                    Migration::new(
                        version,
                        Cow::Borrowed(description),
                        MigrationType::Simple,
                        Cow::Borrowed(sql),
                        sql.starts_with("-- no-transaction"),
                    )
                })
                .collect())
        })
    }
}

/// The migrator of one store's list.
pub(super) async fn migrator(
    list: &'static [Embedded],
) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(Source(list)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in the migration folders is embedded, in order, under the
    /// version its name carries: a new file that is not listed fails here.
    #[test]
    fn every_migration_file_is_embedded() {
        for (dir, list) in [("postgres", POSTGRES), ("gpkg", GPKG)] {
            let path = format!("{}/../migrations/{dir}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<(i64, String)> = std::fs::read_dir(&path)
                .expect("migrations folder")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "sql"))
                .map(|p| {
                    let name = p.file_name().expect("name").to_string_lossy().into_owned();
                    let version = name
                        .split('_')
                        .next()
                        .expect("version")
                        .parse()
                        .expect("number");
                    (version, std::fs::read_to_string(&p).expect("read"))
                })
                .collect();
            files.sort();
            let embedded: Vec<(i64, String)> = list
                .iter()
                .map(|&(v, _, sql)| (v, sql.to_owned()))
                .collect();
            assert_eq!(embedded, files, "{dir}");
        }
    }
}
