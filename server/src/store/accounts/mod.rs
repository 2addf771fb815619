//! The storage of accounts, their grants, browser sessions and API tokens: the
//! [`AccountStore`] trait, its transaction bodies written once over
//! [`AccountStatements`], and the statements, also written once: they are the
//! same SQL on both backends (numbered `$n` parameters, which SQLite takes too;
//! times as Unix seconds), expanded for each backend's transaction by
//! [`account_statements!`]. Every account write and every sign-in, failed ones
//! included, appends an audit row in the same transaction.

mod cache;

use async_trait::async_trait;

pub use cache::{TOKEN_TTL_SECS, TokenCache};
use sqlx::Row;

use super::grids::Dialect;
use super::journal::{AuditEntry, Journal};
use crate::accounts::{Account, NewAccount, SessionInfo, TokenInfo};
use crate::domain::access::{Grant, Role, Scope};
use crate::domain::change::Actor;
use crate::error::{Error, Result};

/// The audit log's subdistrict for what belongs to no subdistrict (accounts).
const NO_SUBDISTRICT: i64 = 0;

/// Storage of accounts, sessions and tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// Adds an account with its grants; 409 when the name is taken.
    async fn add_account(&self, new: &NewAccount, actor: &Actor) -> Result<Account>;
    /// Every account, by name.
    async fn accounts(&self) -> Result<Vec<Account>>;
    /// An account and its password hash, by sign-in name.
    async fn account_by_name(&self, name: &str) -> Result<Option<(Account, String)>>;
    /// Changes an account in one transaction (404 when there is none): its
    /// grants, its password hash (ending its sessions), disabled (ending its
    /// sessions) or enabled again; one audit row per part changed.
    async fn change_account(
        &self,
        name: &str,
        change: AccountChange<'_>,
        actor: &Actor,
    ) -> Result<Account>;
    /// Starts a session (only the digest of its secret is stored) and records the
    /// sign-in.
    async fn sign_in(
        &self,
        account: &Account,
        secret_digest: &str,
        csrf: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<()>;
    /// Records a failed sign-in under the name that was tried.
    async fn sign_in_failed(&self, name: &str, why: &str, actor: &Actor) -> Result<()>;
    /// The live session with this digest (`None` when unknown, expired or its
    /// account disabled). A session used after half its time is extended to `ttl`
    /// seconds from `now`.
    async fn session(&self, secret_digest: &str, now: i64, ttl: i64)
    -> Result<Option<SessionInfo>>;
    /// Ends a session and records the sign-out.
    async fn sign_out(&self, secret_digest: &str, actor: &Actor) -> Result<()>;
    /// Issues a token for an account (only its digest is stored).
    async fn issue_token(
        &self,
        account: &str,
        name: &str,
        digest: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<TokenInfo>;
    /// The account a live token acts for (`None` when unknown, expired, revoked or
    /// its account disabled).
    async fn token(&self, digest: &str, now: i64) -> Result<Option<Account>>;
    /// As [`Self::token`], with the token's expiry (Unix seconds).
    async fn live_token(&self, digest: &str, now: i64) -> Result<Option<(Account, i64)>>;
    /// Revokes a token; `false` when there is no such token or it was revoked already.
    async fn revoke_token(&self, id: i64, actor: &Actor) -> Result<bool>;
    /// Every token, newest first.
    async fn tokens(&self) -> Result<Vec<TokenInfo>>;
}

/// What [`AccountStore::change_account`] changes; `None` leaves a part alone.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountChange<'a> {
    /// Replaces the grants.
    pub grants: Option<&'a [Grant]>,
    /// Replaces the password's Argon2id hash.
    pub password_hash: Option<&'a str>,
    /// Enables (`true`) or disables (`false`).
    pub active: Option<bool>,
}

/// An account row before its grants are attached.
pub(crate) struct AccountRow {
    pub(crate) account: Account,
    pub(crate) password_hash: String,
}

/// The statements the account transactions are made of.
#[async_trait]
pub(crate) trait AccountStatements: Journal {
    async fn insert_account(&mut self, a: &NewAccount, now: i64) -> Result<i64>;
    async fn insert_grant(&mut self, account: i64, g: &Grant) -> Result<()>;
    async fn delete_grants(&mut self, account: i64) -> Result<()>;
    async fn account_row(&mut self, by: By<'_>) -> Result<Option<AccountRow>>;
    async fn account_rows(&mut self) -> Result<Vec<AccountRow>>;
    async fn grants_of(&mut self, account: Option<i64>) -> Result<Vec<(i64, Grant)>>;
    async fn set_disabled(&mut self, account: i64, at: Option<i64>) -> Result<()>;
    async fn set_hash(&mut self, account: i64, hash: &str) -> Result<()>;
    async fn delete_sessions_of(&mut self, account: i64) -> Result<()>;
    async fn insert_session(
        &mut self,
        digest: &str,
        account: i64,
        csrf: &str,
        now: i64,
        expires_at: i64,
        address: Option<&str>,
    ) -> Result<()>;
    /// (account, csrf, expires_at)
    async fn session_row(&mut self, digest: &str) -> Result<Option<(i64, String, i64)>>;
    async fn set_session_expiry(&mut self, digest: &str, expires_at: i64) -> Result<()>;
    async fn delete_session(&mut self, digest: &str) -> Result<Option<i64>>;
    async fn insert_token(
        &mut self,
        account: i64,
        name: &str,
        digest: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<i64>;
    /// (account, expires_at, revoked_at)
    async fn token_row(&mut self, digest: &str) -> Result<Option<(i64, i64, Option<i64>)>>;
    async fn revoke(&mut self, id: i64, now: i64) -> Result<Option<i64>>;
    async fn token_rows(&mut self, id: Option<i64>) -> Result<Vec<TokenInfo>>;
}

/// How an account row is found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum By<'a> {
    Id(i64),
    Name(&'a str),
}

/// Decodes a grant's columns, refusing what the schema's checks would refuse.
pub(crate) fn grant(role: &str, kind: &str, id: i64, account: i64) -> Result<Grant> {
    let role: Role = role
        .parse()
        .map_err(|e| super::rows::bad_row("account_grant", account, e))?;
    let scope = match kind {
        "all" => Scope::All,
        "subdistrict" => Scope::Subdistrict(id),
        "grid" => Scope::Grid(id),
        k => {
            return Err(super::rows::bad_row(
                "account_grant",
                account,
                format!("unknown scope_kind {k:?}"),
            ));
        }
    };
    Ok(Grant { role, scope })
}

pub(crate) fn scope_columns(s: Scope) -> (&'static str, i64) {
    match s {
        Scope::All => ("all", 0),
        Scope::Subdistrict(id) => ("subdistrict", id),
        Scope::Grid(id) => ("grid", id),
    }
}

fn account_json(a: &Account) -> serde_json::Value {
    serde_json::json!({
        "name": a.name,
        "display_name": a.display_name,
        "grants": a.grants.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "disabled_at": a.disabled_at,
    })
}

/// The statements, one SQL text for both backends, for a transaction type with a
/// `conn()` giving its connection.
macro_rules! account_statements {
    ($tx:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::accounts::AccountStatements for $tx {
            async fn insert_account(
                &mut self,
                a: &$crate::accounts::NewAccount,
                now: i64,
            ) -> $crate::error::Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO account (name, display_name, password_hash, created_at) \
                     VALUES ($1, $2, $3, $4) RETURNING id",
                )
                .bind(&a.name)
                .bind(&a.display_name)
                .bind(&a.password_hash)
                .bind(now)
                .fetch_one(self.conn())
                .await?)
            }

            async fn insert_grant(
                &mut self,
                account: i64,
                g: &$crate::domain::access::Grant,
            ) -> $crate::error::Result<()> {
                let (kind, id) = $crate::store::accounts::scope_columns(g.scope);
                sqlx::query(
                    "INSERT INTO account_grant (account_id, role, scope_kind, scope_id) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                )
                .bind(account)
                .bind(g.role.as_str())
                .bind(kind)
                .bind(id)
                .execute(self.conn())
                .await?;
                Ok(())
            }

            async fn delete_grants(&mut self, account: i64) -> $crate::error::Result<()> {
                sqlx::query("DELETE FROM account_grant WHERE account_id = $1")
                    .bind(account)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn account_row(
                &mut self,
                by: $crate::store::accounts::By<'_>,
            ) -> $crate::error::Result<Option<$crate::store::accounts::AccountRow>> {
                use $crate::store::accounts::By;
                const COLUMNS: &str =
                    "SELECT id, name, display_name, password_hash, created_at, disabled_at FROM account";
                let row = match by {
                    By::Id(id) => {
                        sqlx::query(&format!("{COLUMNS} WHERE id = $1"))
                            .bind(id)
                            .fetch_optional(self.conn())
                            .await?
                    }
                    By::Name(n) => {
                        sqlx::query(&format!("{COLUMNS} WHERE name = $1"))
                            .bind(n)
                            .fetch_optional(self.conn())
                            .await?
                    }
                };
                row.map(|r| $crate::store::accounts::account_row(&r)).transpose()
            }

            async fn account_rows(
                &mut self,
            ) -> $crate::error::Result<Vec<$crate::store::accounts::AccountRow>> {
                sqlx::query(
                    "SELECT id, name, display_name, password_hash, created_at, disabled_at \
                     FROM account ORDER BY name",
                )
                .fetch_all(self.conn())
                .await?
                .iter()
                .map($crate::store::accounts::account_row)
                .collect()
            }

            async fn grants_of(
                &mut self,
                account: Option<i64>,
            ) -> $crate::error::Result<Vec<(i64, $crate::domain::access::Grant)>> {
                let rows = sqlx::query(
                    "SELECT account_id, role, scope_kind, scope_id FROM account_grant \
                     WHERE $1 IS NULL OR account_id = $1 \
                     ORDER BY account_id, role, scope_kind, scope_id",
                )
                .bind(account)
                .fetch_all(self.conn())
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: i64 = r.try_get("account_id")?;
                        let g = $crate::store::accounts::grant(
                            r.try_get("role")?,
                            r.try_get("scope_kind")?,
                            r.try_get("scope_id")?,
                            id,
                        )?;
                        Ok((id, g))
                    })
                    .collect()
            }

            async fn set_disabled(
                &mut self,
                account: i64,
                at: Option<i64>,
            ) -> $crate::error::Result<()> {
                sqlx::query("UPDATE account SET disabled_at = $2 WHERE id = $1")
                    .bind(account)
                    .bind(at)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn set_hash(&mut self, account: i64, hash: &str) -> $crate::error::Result<()> {
                sqlx::query("UPDATE account SET password_hash = $2 WHERE id = $1")
                    .bind(account)
                    .bind(hash)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn delete_sessions_of(&mut self, account: i64) -> $crate::error::Result<()> {
                sqlx::query("DELETE FROM account_session WHERE account_id = $1")
                    .bind(account)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn insert_session(
                &mut self,
                digest: &str,
                account: i64,
                csrf: &str,
                now: i64,
                expires_at: i64,
                address: Option<&str>,
            ) -> $crate::error::Result<()> {
                sqlx::query(
                    "INSERT INTO account_session (token_hash, account_id, csrf, created_at, expires_at, address) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(digest)
                .bind(account)
                .bind(csrf)
                .bind(now)
                .bind(expires_at)
                .bind(address)
                .execute(self.conn())
                .await?;
                // Expired sessions of this account are swept as it signs in again.
                sqlx::query("DELETE FROM account_session WHERE account_id = $1 AND expires_at < $2")
                    .bind(account)
                    .bind(now)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn session_row(
                &mut self,
                digest: &str,
            ) -> $crate::error::Result<Option<(i64, String, i64)>> {
                Ok(sqlx::query_as(
                    "SELECT account_id, csrf, expires_at FROM account_session WHERE token_hash = $1",
                )
                .bind(digest)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn set_session_expiry(
                &mut self,
                digest: &str,
                expires_at: i64,
            ) -> $crate::error::Result<()> {
                sqlx::query("UPDATE account_session SET expires_at = $2 WHERE token_hash = $1")
                    .bind(digest)
                    .bind(expires_at)
                    .execute(self.conn())
                    .await?;
                Ok(())
            }

            async fn delete_session(&mut self, digest: &str) -> $crate::error::Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "DELETE FROM account_session WHERE token_hash = $1 RETURNING account_id",
                )
                .bind(digest)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn insert_token(
                &mut self,
                account: i64,
                name: &str,
                digest: &str,
                now: i64,
                expires_at: i64,
            ) -> $crate::error::Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO api_token (account_id, name, token_hash, created_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(account)
                .bind(name)
                .bind(digest)
                .bind(now)
                .bind(expires_at)
                .fetch_one(self.conn())
                .await?)
            }

            async fn token_row(
                &mut self,
                digest: &str,
            ) -> $crate::error::Result<Option<(i64, i64, Option<i64>)>> {
                Ok(sqlx::query_as(
                    "SELECT account_id, expires_at, revoked_at FROM api_token WHERE token_hash = $1",
                )
                .bind(digest)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn revoke(&mut self, id: i64, now: i64) -> $crate::error::Result<Option<i64>> {
                Ok(sqlx::query_scalar(
                    "UPDATE api_token SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL \
                     RETURNING account_id",
                )
                .bind(id)
                .bind(now)
                .fetch_optional(self.conn())
                .await?)
            }

            async fn token_rows(
                &mut self,
                id: Option<i64>,
            ) -> $crate::error::Result<Vec<$crate::accounts::TokenInfo>> {
                let rows = sqlx::query(
                    "SELECT t.id, a.name AS account, t.name, t.created_at, t.expires_at, t.revoked_at \
                     FROM api_token t JOIN account a ON a.id = t.account_id \
                     WHERE $1 IS NULL OR t.id = $1 ORDER BY t.id DESC",
                )
                .bind(id)
                .fetch_all(self.conn())
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok($crate::accounts::TokenInfo {
                            id: r.try_get("id")?,
                            account: r.try_get("account")?,
                            name: r.try_get("name")?,
                            created_at: r.try_get("created_at")?,
                            expires_at: r.try_get("expires_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}
pub(crate) use account_statements;

/// Decodes an account row (without grants).
pub(crate) fn account_row<R: Row>(r: &R) -> Result<AccountRow>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'c> i64: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
    for<'c> String: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
    for<'c> Option<i64>: sqlx::Decode<'c, R::Database> + sqlx::Type<R::Database>,
{
    Ok(AccountRow {
        account: Account {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            display_name: r.try_get("display_name")?,
            grants: Vec::new(),
            created_at: r.try_get("created_at")?,
            disabled_at: r.try_get("disabled_at")?,
        },
        password_hash: r.try_get("password_hash")?,
    })
}

fn not_found(name: &str) -> Error {
    Error::NotFound(format!("no account named {name:?}"))
}

async fn with_grants<T: AccountStatements>(tx: &mut T, mut row: AccountRow) -> Result<AccountRow> {
    row.account.grants = tx
        .grants_of(Some(row.account.id))
        .await?
        .into_iter()
        .map(|(_, g)| g)
        .collect();
    Ok(row)
}

async fn find<T: AccountStatements>(tx: &mut T, name: &str) -> Result<AccountRow> {
    let row = tx
        .account_row(By::Name(name))
        .await?
        .ok_or_else(|| not_found(name))?;
    with_grants(tx, row).await
}

fn entry<'a>(action: &'a str, entity: &'a str, id: Option<i64>) -> AuditEntry<'a> {
    AuditEntry {
        subdistrict_id: NO_SUBDISTRICT,
        action,
        entity,
        entity_id: id,
        before: None,
        after: None,
        before_geom: None,
        after_geom: None,
    }
}

#[async_trait]
impl<D: Dialect> AccountStore for D
where
    D::Tx: AccountStatements,
{
    async fn add_account(&self, new: &NewAccount, actor: &Actor) -> Result<Account> {
        let mut tx = self.begin().await?;
        let now = crate::accounts::now();
        let id = tx.insert_account(new, now).await.map_err(|e| match e {
            Error::Conflict { .. } => Error::Conflict {
                message: format!("an account named {:?} already exists", new.name),
                field: Some("name".into()),
            },
            e => e,
        })?;
        for g in &new.grants {
            tx.insert_grant(id, g).await?;
        }
        let row = tx
            .account_row(By::Id(id))
            .await?
            .ok_or_else(|| not_found(&new.name))?;
        let row = with_grants(&mut tx, row).await?;
        let mut e = entry("account_add", "account", Some(id));
        e.after = Some(account_json(&row.account));
        tx.audit(actor, e).await?;
        tx.commit().await?;
        Ok(row.account)
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        let mut tx = self.begin_read().await?;
        let mut rows = tx.account_rows().await?;
        let grants = tx.grants_of(None).await?;
        for r in &mut rows {
            r.account.grants = grants
                .iter()
                .filter(|(id, _)| *id == r.account.id)
                .map(|(_, g)| *g)
                .collect();
        }
        Ok(rows.into_iter().map(|r| r.account).collect())
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<(Account, String)>> {
        let mut tx = self.begin_read().await?;
        let Some(row) = tx.account_row(By::Name(name)).await? else {
            return Ok(None);
        };
        let row = with_grants(&mut tx, row).await?;
        Ok(Some((row.account, row.password_hash)))
    }

    async fn change_account(
        &self,
        name: &str,
        change: AccountChange<'_>,
        actor: &Actor,
    ) -> Result<Account> {
        let mut tx = self.begin().await?;
        let mut row = find(&mut tx, name).await?;
        let id = row.account.id;
        if let Some(grants) = change.grants {
            let before = account_json(&row.account);
            tx.delete_grants(id).await?;
            for g in grants {
                tx.insert_grant(id, g).await?;
            }
            row = with_grants(&mut tx, row).await?;
            let mut e = entry("account_grants", "account", Some(id));
            e.before = Some(before);
            e.after = Some(account_json(&row.account));
            tx.audit(actor, e).await?;
        }
        if let Some(hash) = change.password_hash {
            tx.set_hash(id, hash).await?;
            tx.delete_sessions_of(id).await?;
            tx.audit(actor, entry("password_reset", "account", Some(id)))
                .await?;
        }
        if let Some(active) = change.active {
            let before = account_json(&row.account);
            let at = if active {
                None
            } else {
                Some(row.account.disabled_at.unwrap_or_else(crate::accounts::now))
            };
            tx.set_disabled(id, at).await?;
            if !active {
                tx.delete_sessions_of(id).await?;
            }
            row.account.disabled_at = at;
            let action = if active {
                "account_enable"
            } else {
                "account_disable"
            };
            let mut e = entry(action, "account", Some(id));
            e.before = Some(before);
            e.after = Some(account_json(&row.account));
            tx.audit(actor, e).await?;
        }
        tx.commit().await?;
        Ok(row.account)
    }

    async fn sign_in(
        &self,
        account: &Account,
        secret_digest: &str,
        csrf: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let now = crate::accounts::now();
        tx.insert_session(
            secret_digest,
            account.id,
            csrf,
            now,
            expires_at,
            actor.address(),
        )
        .await?;
        tx.audit(actor, entry("sign_in", "account", Some(account.id)))
            .await?;
        tx.commit().await
    }

    async fn sign_in_failed(&self, name: &str, why: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut e = entry("sign_in_failed", "account", None);
        e.after = Some(serde_json::json!({ "name": name, "why": why }));
        tx.audit(actor, e).await?;
        tx.commit().await
    }

    async fn session(
        &self,
        secret_digest: &str,
        now: i64,
        ttl: i64,
    ) -> Result<Option<SessionInfo>> {
        let mut tx = self.begin_read().await?;
        let Some((account, csrf, mut expires_at)) = tx.session_row(secret_digest).await? else {
            return Ok(None);
        };
        if expires_at <= now {
            return Ok(None);
        }
        let Some(row) = tx.account_row(By::Id(account)).await? else {
            return Ok(None);
        };
        let row = with_grants(&mut tx, row).await?;
        drop(tx);
        if !row.account.is_active() {
            return Ok(None);
        }
        if expires_at - now < ttl / 2 {
            expires_at = now + ttl;
            let mut w = self.begin().await?;
            w.set_session_expiry(secret_digest, expires_at).await?;
            w.commit().await?;
        }
        Ok(Some(SessionInfo {
            account: row.account,
            csrf,
            expires_at,
        }))
    }

    async fn sign_out(&self, secret_digest: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        if let Some(account) = tx.delete_session(secret_digest).await? {
            tx.audit(actor, entry("sign_out", "account", Some(account)))
                .await?;
        }
        tx.commit().await
    }

    async fn issue_token(
        &self,
        account: &str,
        name: &str,
        digest: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<TokenInfo> {
        let mut tx = self.begin().await?;
        let row = find(&mut tx, account).await?;
        let now = crate::accounts::now();
        let id = tx
            .insert_token(row.account.id, name, digest, now, expires_at)
            .await?;
        let mut e = entry("token_issue", "api_token", Some(id));
        e.after =
            Some(serde_json::json!({ "account": account, "name": name, "expires_at": expires_at }));
        tx.audit(actor, e).await?;
        let info = tx
            .token_rows(Some(id))
            .await?
            .pop()
            .ok_or_else(|| Error::Internal(anyhow::anyhow!("token {id} vanished")))?;
        tx.commit().await?;
        Ok(info)
    }

    async fn token(&self, digest: &str, now: i64) -> Result<Option<Account>> {
        Ok(self.live_token(digest, now).await?.map(|(a, _)| a))
    }

    async fn live_token(&self, digest: &str, now: i64) -> Result<Option<(Account, i64)>> {
        let mut tx = self.begin_read().await?;
        let Some((account, expires_at, revoked_at)) = tx.token_row(digest).await? else {
            return Ok(None);
        };
        if revoked_at.is_some() || expires_at <= now {
            return Ok(None);
        }
        let Some(row) = tx.account_row(By::Id(account)).await? else {
            return Ok(None);
        };
        let row = with_grants(&mut tx, row).await?;
        Ok(row.account.is_active().then_some((row.account, expires_at)))
    }

    async fn revoke_token(&self, id: i64, actor: &Actor) -> Result<bool> {
        let mut tx = self.begin().await?;
        let now = crate::accounts::now();
        let Some(_) = tx.revoke(id, now).await? else {
            return Ok(false);
        };
        tx.audit(actor, entry("token_revoke", "api_token", Some(id)))
            .await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        let mut tx = self.begin_read().await?;
        tx.token_rows(None).await
    }
}
