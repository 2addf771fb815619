//! Reading the audit log (writing it is every capability's transaction, through
//! `store::journal`): the [`AuditLogStore`] trait, its body written once over
//! [`AuditStatements`], the statement one query per backend
//! (`sql/{gpkg,postgis}_audit_read.sql`: they differ only in how a time is cast
//! and printed), expanded for each backend's transaction by [`audit_statements!`].
//! The log itself cannot be changed: both stores refuse UPDATE and DELETE on it
//! (migration 0005).

use async_trait::async_trait;
use serde::Serialize;

use super::grids::Dialect;
use crate::error::{Error, Result};

/// What to list: the newest rows first, filtered.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Only this kind of entity (`grid`, `account`, `session`, …).
    pub entity: Option<String>,
    /// Only this entity.
    pub entity_id: Option<i64>,
    /// Only rows signed by this actor.
    pub actor: Option<String>,
    /// Only rows at or after this time (UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`).
    pub since: Option<String>,
    /// Only rows before this time (same form).
    pub until: Option<String>,
    /// Only rows older than this id (the next page).
    pub before_id: Option<i64>,
    /// At most this many rows.
    pub limit: i64,
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    /// Its number (grows with time).
    pub id: i64,
    /// When (UTC, RFC 3339).
    pub at: String,
    /// The subdistrict of the entity (0: none, e.g. accounts).
    pub subdistrict_id: i64,
    /// Who: an account's name, a program's, or the name tried at a failed sign-in.
    pub actor: String,
    /// From where (the client's address), when over HTTP.
    pub address: Option<String>,
    /// What was done (`create`, `update`, `sign_in`, `sign_in_failed`, …).
    pub action: String,
    /// The kind of entity.
    pub entity: String,
    /// Its id.
    pub entity_id: Option<i64>,
    /// The reason given.
    pub reason: Option<String>,
    /// Before the write (without geometry).
    #[schema(value_type = Object)]
    pub before: Option<serde_json::Value>,
    /// After the write (without geometry).
    #[schema(value_type = Object)]
    pub after: Option<serde_json::Value>,
}

/// Reading the audit log.
#[async_trait]
pub trait AuditLogStore: Send + Sync {
    /// The rows the query selects, newest first.
    async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;
}

/// The statement the read is made of.
#[async_trait]
pub(crate) trait AuditStatements: Send {
    async fn audit_rows(&mut self, q: &AuditQuery) -> Result<Vec<AuditRecord>>;
}

#[async_trait]
impl<D: Dialect> AuditLogStore for D
where
    D::Tx: AuditStatements,
{
    async fn audit_entries(&self, q: &AuditQuery) -> Result<Vec<AuditRecord>> {
        let mut tx = self.begin_read().await?;
        tx.audit_rows(q).await
    }
}

/// Parses the JSON text of a stored `before`/`after`.
pub(crate) fn json(text: Option<String>) -> Result<Option<serde_json::Value>> {
    text.map(|t| {
        serde_json::from_str(&t)
            .map_err(|e| Error::Internal(anyhow::anyhow!("audit row JSON: {e}")))
    })
    .transpose()
}

/// The read, for a transaction type with a `conn()`, with its backend's SQL.
macro_rules! audit_statements {
    ($tx:ty, $sql:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::audit::AuditStatements for $tx {
            async fn audit_rows(
                &mut self,
                q: &$crate::store::audit::AuditQuery,
            ) -> $crate::error::Result<Vec<$crate::store::audit::AuditRecord>> {
                use sqlx::Row;
                let rows = sqlx::query($sql)
                    .bind(q.entity.as_deref())
                    .bind(q.entity_id)
                    .bind(q.actor.as_deref())
                    .bind(q.since.as_deref())
                    .bind(q.until.as_deref())
                    .bind(q.before_id)
                    .bind(q.limit)
                    .fetch_all(self.conn())
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::store::audit::AuditRecord {
                            id: r.try_get("id")?,
                            at: r.try_get("at")?,
                            subdistrict_id: r.try_get("subdistrict_id")?,
                            actor: r.try_get("actor")?,
                            address: r.try_get("address")?,
                            action: r.try_get("action")?,
                            entity: r.try_get("entity")?,
                            entity_id: r.try_get("entity_id")?,
                            reason: r.try_get("reason")?,
                            before: $crate::store::audit::json(r.try_get("before")?)?,
                            after: $crate::store::audit::json(r.try_get("after")?)?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use audit_statements;
