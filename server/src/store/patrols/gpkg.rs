//! GeoPackage: one `track_fix` table; a request's fixes in multi-row `VALUES`
//! statements inside one `BEGIN IMMEDIATE` transaction.

use async_trait::async_trait;

use super::{COLUMNS, FixRow, PatrolStore, StoredFix, fix_of};
use crate::error::Result;
use crate::patrols::patrol::PlacedFix;
use crate::patrols::{AccountId, Millis};
use crate::store::GpkgStore;

/// Rows per INSERT (10 parameters each: under SQLite's 32,766).
const ROWS: usize = 3000;

#[async_trait]
impl PatrolStore for GpkgStore {
    async fn insert_fixes(&self, fixes: &[StoredFix], received_at: i64) -> Result<()> {
        if fixes.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
        for chunk in fixes.chunks(ROWS) {
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO track_fix (worker, time_ms, lon, lat, accuracy_m, speed_mps, \
                 subdistrict_id, grid_id, flag, received_at) ",
            );
            q.push_values(chunk, |mut v, f| {
                v.push_bind(f.worker)
                    .push_bind(f.time_ms)
                    .push_bind(f.lon)
                    .push_bind(f.lat)
                    .push_bind(f.accuracy_m)
                    .push_bind(f.speed_mps)
                    .push_bind(f.subdistrict_id)
                    .push_bind(f.grid_id)
                    .push_bind(f.flag.map(|x| x.code()))
                    .push_bind(received_at);
            });
            q.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn last_counted(&self, worker: AccountId) -> Result<Option<StoredFix>> {
        let row: Option<FixRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM track_fix WHERE worker = ? AND flag IS NULL \
             ORDER BY time_ms DESC LIMIT 1"
        ))
        .bind(worker)
        .fetch_optional(self.pool())
        .await?;
        row.map(fix_of).transpose()
    }

    async fn counted_before(
        &self,
        worker: AccountId,
        time_ms: Millis,
    ) -> Result<Option<StoredFix>> {
        let row: Option<FixRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM track_fix WHERE worker = ? AND time_ms <= ? \
             AND flag IS NULL ORDER BY time_ms DESC LIMIT 1"
        ))
        .bind(worker)
        .bind(time_ms)
        .fetch_optional(self.pool())
        .await?;
        row.map(fix_of).transpose()
    }

    async fn fixes(
        &self,
        worker: AccountId,
        from_ms: Millis,
        to_ms: Millis,
        limit: i64,
    ) -> Result<Vec<StoredFix>> {
        let rows: Vec<FixRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM track_fix WHERE worker = ? AND time_ms >= ? AND time_ms < ? \
             ORDER BY time_ms, received_at LIMIT ?"
        ))
        .bind(worker)
        .bind(from_ms)
        .bind(to_ms)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter().map(fix_of).collect()
    }

    async fn counted_tracks(
        &self,
        workers: &[AccountId],
        from_ms: Millis,
        to_ms: Millis,
        sink: &mut (dyn for<'f> FnMut(AccountId, &'f [PlacedFix]) + Send),
    ) -> Result<()> {
        let mut buf: Vec<PlacedFix> = Vec::new();
        for &w in workers {
            let rows: Vec<(i64, f64, f64, Option<i64>)> = sqlx::query_as(
                "SELECT time_ms, lon, lat, grid_id FROM track_fix WHERE worker = ? \
                 AND time_ms >= ? AND time_ms < ? AND flag IS NULL ORDER BY time_ms",
            )
            .bind(w)
            .bind(from_ms)
            .bind(to_ms)
            .fetch_all(self.pool())
            .await?;
            if rows.is_empty() {
                continue;
            }
            buf.clear();
            buf.extend(rows.into_iter().map(|(t, x, y, g)| PlacedFix {
                time_ms: t,
                pos: geo::coord! { x: x, y: y },
                grid: g,
            }));
            sink(w, &buf);
        }
        Ok(())
    }

    async fn workers_in_grids(
        &self,
        grids: &[i64],
        from_ms: Millis,
        to_ms: Millis,
    ) -> Result<Vec<AccountId>> {
        let ids = serde_json::to_string(grids).unwrap_or_else(|_| "[]".into());
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT worker FROM track_fix WHERE grid_id IN \
             (SELECT value FROM json_each(?)) AND time_ms >= ? AND time_ms < ? \
             AND flag IS NULL ORDER BY worker",
        )
        .bind(ids)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}
