//! The PostGIS backend: the connection pool, migrations, transactions and the
//! journal. Geometries travel as (E)WKB: `ST_GeomFromEWKB` in, `ST_AsBinary` out,
//! so a round trip keeps every coordinate bit for bit. Every write's change-log
//! row is announced with `NOTIFY gridd` so that other instances follow.

use std::sync::Arc;

use async_trait::async_trait;
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Postgres, Row, Transaction};

use super::grids::Dialect;
use super::journal::{AuditEntry, Journal};
use crate::domain::change::{Actor, ChangeRecord, ChangedIds};
use crate::domain::grid::SubdistrictId;
use crate::error::{Error, Result};

/// The channel other instances LISTEN on. A notification's payload is
/// `{"origin": "<instance>", "seq": <change number>}`; the ids are in the change log
/// (a payload holds at most 8,000 bytes, an import names hundreds of thousands).
pub const NOTIFY_CHANNEL: &str = "gridd";

/// The advisory lock a writer takes just before its change-log row, held until it
/// commits: change numbers then grow in commit order, so a follower that has seen
/// number n has seen every change before it.
const CHANGE_LOG_LOCK: i64 = 0x6772_6964_6400; // "gridd\0"

/// A PostGIS database.
#[derive(Clone)]
pub struct PostgisStore {
    pool: PgPool,
    origin: Arc<str>,
}

impl PostgisStore {
    /// Connects and applies migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(std::time::Duration::from_secs(10))
            .connect(url)
            .await
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact(url)
                ))
            })?;
        super::migrations::migrator(super::migrations::POSTGRES)
            .await?
            .run(&pool)
            .await?;
        Ok(Self {
            pool,
            origin: super::new_origin().into(),
        })
    }

    /// The connection pool (for benchmarks and tests).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

/// The URL with its password hidden, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..s + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// A PostGIS transaction, or a pooled connection for one statement (that
/// statement is its own snapshot: no BEGIN and ROLLBACK round trips).
pub(crate) enum PgTx {
    /// A transaction.
    Tx(Transaction<'static, Postgres>),
    /// One statement, no transaction.
    One(sqlx::pool::PoolConnection<Postgres>),
}

impl PgTx {
    /// The transaction's connection.
    pub(crate) fn conn(&mut self) -> &mut sqlx::PgConnection {
        match self {
            PgTx::Tx(t) => t,
            PgTx::One(c) => c,
        }
    }
}

super::accounts::account_statements!(PgTx);
/// Case batches serialise on this advisory lock until they commit, so history
/// numbers grow in commit order across instances.
const CASE_LOCK_SQL: &str = "SELECT pg_advisory_xact_lock(7453676173650)"; // "case" + 0
/// The channel case batches notify on (payload: `{"origin", "seq"}`, the newest step).
pub const CASE_CHANNEL: &str = "gridd_cases";
super::cases::case_statements!(
    PgTx,
    sqlx::Postgres,
    Some(CASE_LOCK_SQL),
    Some("SELECT pg_notify('gridd_cases', $1)")
);
super::audit::audit_statements!(PgTx, include_str!("sql/postgis_audit_read.sql"));

#[async_trait]
impl Dialect for PostgisStore {
    type Tx = PgTx;
    const BACKEND: &'static str = "postgis";

    fn origin(&self) -> &str {
        &self.origin
    }

    async fn begin(&self) -> Result<PgTx> {
        Ok(PgTx::Tx(self.pool.begin().await?))
    }

    async fn begin_read(&self) -> Result<PgTx> {
        Ok(PgTx::Tx(
            self.pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?,
        ))
    }

    async fn begin_single(&self) -> Result<PgTx> {
        Ok(PgTx::One(self.pool.acquire().await?))
    }
}

fn change_record(r: &sqlx::postgres::PgRow) -> Result<ChangeRecord> {
    let seq: i64 = r.try_get("seq")?;
    let ids: serde_json::Value = r.try_get("ids")?;
    Ok(ChangeRecord {
        seq,
        origin: r.try_get("origin")?,
        ids: serde_json::from_value(ids)
            .map_err(|e| super::rows::bad_row("change_log", seq, format!("ids: {e}")))?,
    })
}

#[async_trait]
impl Journal for PgTx {
    async fn audit(&mut self, actor: &Actor, e: AuditEntry<'_>) -> Result<()> {
        sqlx::query(include_str!("sql/postgis_audit.sql"))
            .bind(e.subdistrict_id)
            .bind(actor.name())
            .bind(e.action)
            .bind(e.entity)
            .bind(e.entity_id)
            .bind(e.before)
            .bind(e.after)
            .bind(actor.reason())
            .bind(e.before_geom.map(super::ewkb).transpose()?)
            .bind(e.after_geom.map(super::ewkb).transpose()?)
            .bind(actor.address())
            .execute(self.conn())
            .await?;
        Ok(())
    }

    async fn log_change(
        &mut self,
        origin: &str,
        subdistrict: SubdistrictId,
        ids: &ChangedIds,
    ) -> Result<i64> {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHANGE_LOG_LOCK)
            .execute(self.conn())
            .await?;
        let seq: i64 = sqlx::query_scalar(
            "INSERT INTO change_log (origin, subdistrict_id, ids) VALUES ($1, $2, $3) RETURNING seq",
        )
        .bind(origin)
        .bind(subdistrict)
        .bind(serde_json::to_value(ids).map_err(anyhow::Error::from)?)
        .fetch_one(self.conn())
        .await?;
        let payload = serde_json::json!({ "origin": origin, "seq": seq });
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(NOTIFY_CHANNEL)
            .bind(payload.to_string())
            .execute(self.conn())
            .await?;
        Ok(seq)
    }

    async fn changes_since(&mut self, seq: i64) -> Result<Vec<ChangeRecord>> {
        sqlx::query("SELECT seq, origin, ids FROM change_log WHERE seq > $1 ORDER BY seq")
            .bind(seq)
            .fetch_all(self.conn())
            .await?
            .iter()
            .map(change_record)
            .collect()
    }

    async fn last_seq(&mut self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT coalesce(max(seq), 0)::int8 FROM change_log")
                .fetch_one(self.conn())
                .await?,
        )
    }

    async fn commit(self) -> Result<()> {
        match self {
            PgTx::Tx(t) => Ok(t.commit().await?),
            PgTx::One(_) => Ok(()),
        }
    }
}
