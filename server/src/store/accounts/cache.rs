//! API tokens remembered for a few seconds: [`TokenCache`] wraps an
//! [`AccountStore`] so that a client sending the same Bearer token on every
//! request (the field app, an integration, the intake benchmark) costs one
//! store read per [`TOKEN_TTL_SECS`] instead of a read transaction of three
//! statements per request.
//!
//! What it remembers is the account a LIVE token acts for, with its grants;
//! unknown, expired and revoked tokens are never remembered (a token issued a
//! moment ago works at once). Every account or token write made through this
//! instance forgets everything at once; a write made elsewhere (another
//! instance, `gridd token revoke`, `gridd user disable`) takes effect here
//! within [`TOKEN_TTL_SECS`]. A remembered token still stops at its expiry to
//! the second.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;

use super::{AccountChange, AccountStore};
use crate::accounts::{Account, NewAccount, SessionInfo, TokenInfo};
use crate::domain::change::Actor;
use crate::error::Result;

/// How long a live token's account is remembered, seconds.
pub const TOKEN_TTL_SECS: i64 = 5;

/// At most this many tokens are remembered (then everything is forgotten).
const MAX_TOKENS: usize = 10_000;

struct Remembered {
    account: Account,
    /// When it was read (Unix seconds).
    read_at: i64,
    /// The token's own end (Unix seconds).
    expires_at: i64,
}

/// An [`AccountStore`] that remembers live tokens for [`TOKEN_TTL_SECS`].
pub struct TokenCache {
    inner: Arc<dyn AccountStore>,
    tokens: Mutex<HashMap<String, Remembered>>,
    /// Counts the forgettings: a read that began before one is not remembered
    /// (it may predate the write).
    generation: AtomicU64,
}

impl TokenCache {
    /// Wraps a store.
    pub fn new(inner: Arc<dyn AccountStore>) -> Self {
        Self {
            inner,
            tokens: Mutex::new(HashMap::new()),
            generation: AtomicU64::new(0),
        }
    }

    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, Remembered>> {
        self.tokens.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn forget(&self) {
        let mut tokens = self.tokens();
        self.generation.fetch_add(1, Ordering::SeqCst);
        tokens.clear();
    }

    /// The remembered account of a token, if fresh at `now`.
    fn remembered(&self, digest: &str, now: i64) -> Option<Account> {
        let tokens = self.tokens();
        let r = tokens.get(digest)?;
        (now >= r.read_at && now - r.read_at < TOKEN_TTL_SECS && now < r.expires_at)
            .then(|| r.account.clone())
    }
}

#[async_trait]
impl AccountStore for TokenCache {
    async fn add_account(&self, new: &NewAccount, actor: &Actor) -> Result<Account> {
        let r = self.inner.add_account(new, actor).await;
        self.forget();
        r
    }

    async fn accounts(&self) -> Result<Vec<Account>> {
        self.inner.accounts().await
    }

    async fn account_by_name(&self, name: &str) -> Result<Option<(Account, String)>> {
        self.inner.account_by_name(name).await
    }

    async fn change_account(
        &self,
        name: &str,
        change: AccountChange<'_>,
        actor: &Actor,
    ) -> Result<Account> {
        let r = self.inner.change_account(name, change, actor).await;
        self.forget();
        r
    }

    async fn sign_in(
        &self,
        account: &Account,
        secret_digest: &str,
        csrf: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<()> {
        self.inner
            .sign_in(account, secret_digest, csrf, expires_at, actor)
            .await
    }

    async fn sign_in_failed(&self, name: &str, why: &str, actor: &Actor) -> Result<()> {
        self.inner.sign_in_failed(name, why, actor).await
    }

    async fn session(
        &self,
        secret_digest: &str,
        now: i64,
        ttl: i64,
    ) -> Result<Option<SessionInfo>> {
        self.inner.session(secret_digest, now, ttl).await
    }

    async fn sign_out(&self, secret_digest: &str, actor: &Actor) -> Result<()> {
        self.inner.sign_out(secret_digest, actor).await
    }

    async fn issue_token(
        &self,
        account: &str,
        name: &str,
        digest: &str,
        expires_at: i64,
        actor: &Actor,
    ) -> Result<TokenInfo> {
        let r = self
            .inner
            .issue_token(account, name, digest, expires_at, actor)
            .await;
        self.forget();
        r
    }

    async fn token(&self, digest: &str, now: i64) -> Result<Option<Account>> {
        if let Some(a) = self.remembered(digest, now) {
            return Ok(Some(a));
        }
        let generation = self.generation.load(Ordering::SeqCst);
        let Some((account, expires_at)) = self.inner.live_token(digest, now).await? else {
            return Ok(None);
        };
        let mut tokens = self.tokens();
        if self.generation.load(Ordering::SeqCst) != generation {
            return Ok(Some(account));
        }
        if tokens.len() >= MAX_TOKENS {
            tokens.clear();
        }
        tokens.insert(
            digest.to_owned(),
            Remembered {
                account: account.clone(),
                read_at: now,
                expires_at,
            },
        );
        Ok(Some(account))
    }

    async fn live_token(&self, digest: &str, now: i64) -> Result<Option<(Account, i64)>> {
        self.inner.live_token(digest, now).await
    }

    async fn revoke_token(&self, id: i64, actor: &Actor) -> Result<bool> {
        let r = self.inner.revoke_token(id, actor).await;
        self.forget();
        r
    }

    async fn tokens(&self) -> Result<Vec<TokenInfo>> {
        self.inner.tokens().await
    }
}
