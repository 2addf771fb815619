//! PostGIS: `track_fix` partitioned by month; a request's fixes in one
//! `INSERT … SELECT FROM unnest(…)` (nine array parameters, whatever the count).

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{Datelike, TimeZone, Utc};
use futures::StreamExt;

use super::{FixRow, PatrolStore, StoredFix, fix_of};
use crate::error::Result;
use crate::patrols::patrol::PlacedFix;
use crate::patrols::{AccountId, Millis};
use crate::store::PostgisStore;

/// The month (year, month) of a Unix-milliseconds time, UTC.
fn month_of(ms: Millis) -> (i32, u32) {
    let t = Utc
        .timestamp_millis_opt(ms)
        .single()
        .unwrap_or_else(|| Utc.timestamp_millis_opt(0).single().unwrap_or_default());
    (t.year(), t.month())
}

/// The partition of a month and its bounds (Unix milliseconds, UTC months).
fn partition(year: i32, month: u32) -> (String, i64, i64) {
    let start = |y: i32, m: u32| {
        Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0)
            .single()
            .map(|t| t.timestamp_millis())
            .unwrap_or(0)
    };
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    (
        format!("track_fix_y{year:04}m{month:02}"),
        start(year, month),
        start(ny, nm),
    )
}

#[async_trait]
impl PatrolStore for PostgisStore {
    async fn insert_fixes(&self, fixes: &[StoredFix], received_at: i64) -> Result<()> {
        if fixes.is_empty() {
            return Ok(());
        }
        let months: BTreeSet<(i32, u32)> = fixes.iter().map(|f| month_of(f.time_ms)).collect();
        let mut tx = self.pool().begin().await?;
        for (y, m) in months {
            let (name, from, to) = partition(y, m);
            // Names and bounds are made here from numbers, never from input text.
            sqlx::query(&format!(
                "CREATE TABLE IF NOT EXISTS {name} PARTITION OF track_fix \
                 FOR VALUES FROM ({from}) TO ({to})"
            ))
            .execute(&mut *tx)
            .await?;
        }
        let n = fixes.len();
        let mut worker = Vec::with_capacity(n);
        let mut time = Vec::with_capacity(n);
        let mut lon = Vec::with_capacity(n);
        let mut lat = Vec::with_capacity(n);
        let mut acc: Vec<Option<f32>> = Vec::with_capacity(n);
        let mut speed: Vec<Option<f32>> = Vec::with_capacity(n);
        let mut sd = Vec::with_capacity(n);
        let mut grid = Vec::with_capacity(n);
        let mut flag: Vec<Option<&str>> = Vec::with_capacity(n);
        for f in fixes {
            worker.push(f.worker);
            time.push(f.time_ms);
            lon.push(f.lon);
            lat.push(f.lat);
            acc.push(f.accuracy_m.map(|a| a as f32));
            speed.push(f.speed_mps.map(|v| v as f32));
            sd.push(f.subdistrict_id);
            grid.push(f.grid_id);
            flag.push(f.flag.map(|x| x.code()));
        }
        sqlx::query(
            "INSERT INTO track_fix (worker, time_ms, lon, lat, accuracy_m, speed_mps, \
             subdistrict_id, grid_id, flag, received_at) \
             SELECT w, t, x, y, a, s, sd, g, f, $10 FROM unnest($1::bigint[], $2::bigint[], \
             $3::float8[], $4::float8[], $5::real[], $6::real[], $7::bigint[], $8::bigint[], \
             $9::text[]) AS u(w, t, x, y, a, s, sd, g, f)",
        )
        .bind(&worker)
        .bind(&time)
        .bind(&lon)
        .bind(&lat)
        .bind(&acc)
        .bind(&speed)
        .bind(&sd)
        .bind(&grid)
        .bind(&flag)
        .bind(received_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn last_counted(&self, worker: AccountId) -> Result<Option<StoredFix>> {
        let row: Option<FixRow> = sqlx::query_as(&format!(
            "SELECT {COLUMNS_F} FROM track_fix WHERE worker = $1 AND flag IS NULL \
             ORDER BY time_ms DESC LIMIT 1",
            COLUMNS_F = COLUMNS_FLOAT
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
            "SELECT {COLUMNS_FLOAT} FROM track_fix WHERE worker = $1 AND time_ms <= $2 \
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
            "SELECT {COLUMNS_FLOAT} FROM track_fix WHERE worker = $1 AND time_ms >= $2 \
             AND time_ms < $3 ORDER BY time_ms, received_at LIMIT $4"
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
        let pool = self.pool();
        let mut tracks = futures::stream::iter(workers.iter().copied())
            .map(|w| async move {
                let row: TrackArrays = sqlx::query_as(TRACK_QUERY)
                    .bind(w)
                    .bind(from_ms)
                    .bind(to_ms)
                    .fetch_one(pool)
                    .await?;
                Ok::<_, crate::error::Error>((w, row))
            })
            .buffer_unordered(TRACKS_IN_FLIGHT);
        let mut buf: Vec<PlacedFix> = Vec::new();
        while let Some(r) = tracks.next().await {
            let (w, (time, lon, lat, grid)) = r?;
            if time.is_empty() {
                continue;
            }
            buf.clear();
            buf.extend(
                time.iter()
                    .zip(&lon)
                    .zip(&lat)
                    .zip(&grid)
                    .map(|(((&t, &x), &y), &g)| PlacedFix {
                        time_ms: t,
                        pos: geo::coord! { x: x, y: y },
                        grid: g,
                    }),
            );
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
        let rows: Vec<(i64,)> = sqlx::query_as(
            "SELECT DISTINCT worker FROM track_fix WHERE grid_id = ANY($1) \
             AND time_ms >= $2 AND time_ms < $3 AND flag IS NULL ORDER BY worker",
        )
        .bind(grids)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(self.pool())
        .await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// One worker's counted fixes of a period as four arrays in time order (one row
/// per worker instead of one per fix: the arrays decode far faster than rows).
type TrackArrays = (Vec<i64>, Vec<f64>, Vec<f64>, Vec<Option<i64>>);

/// A worker's counted fixes from `$2` to `$3`, in time order, through the
/// `(worker, time_ms)` index of each month's partition.
const TRACK_QUERY: &str = "SELECT coalesce(array_agg(time_ms), '{}'), coalesce(array_agg(lon), '{}'), \
     coalesce(array_agg(lat), '{}'), coalesce(array_agg(grid_id), '{}') FROM (SELECT time_ms, lon, \
     lat, grid_id FROM track_fix WHERE worker = $1 AND time_ms >= $2 AND time_ms < $3 \
     AND flag IS NULL ORDER BY time_ms) f";

/// Workers read at once (one connection each).
const TRACKS_IN_FLIGHT: usize = 4;

/// [`COLUMNS`] with the `real` columns widened to `float8` (read as `f64`).
const COLUMNS_FLOAT: &str = "worker, time_ms, lon, lat, accuracy_m::float8, speed_mps::float8, \
     subdistrict_id, grid_id, flag";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_are_utc_months() {
        // 2026-12-31T23:59:59.999Z and 2027-01-01T00:00:00Z.
        assert_eq!(month_of(1_798_761_599_999), (2026, 12));
        assert_eq!(month_of(1_798_761_600_000), (2027, 1));
        let (name, from, to) = partition(2026, 12);
        assert_eq!(name, "track_fix_y2026m12");
        assert_eq!((from, to), (1_796_083_200_000, 1_798_761_600_000));
        assert_eq!(partition(2027, 1).1, to);
    }
}
