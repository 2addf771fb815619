//! Accounts: who may sign in, what they hold, and the rules for names, passwords,
//! sessions and tokens. Plain synchronous Rust (hashing is computation, not I/O);
//! storage is `store::accounts`, HTTP `http::auth`, the command line `gridd user` /
//! `gridd token`, decisions `domain::access`.

pub mod secret;
pub mod throttle;

use serde::Serialize;

use crate::domain::access::{Grant, Principal};
use crate::domain::text::check_text;
use crate::error::FieldError;

/// How long a browser session lasts without being used again (default).
pub const SESSION_IDLE_SECS: i64 = 8 * 3600;
/// How long an API token lasts unless told otherwise (default, days).
pub const TOKEN_DAYS: i64 = 90;
/// The longest a token may be issued for (days).
pub const TOKEN_MAX_DAYS: i64 = 366;
/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (Argon2 takes any length; this bounds the work).
pub const MAX_PASSWORD: usize = 256;

/// An account, as everybody but the password check sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Its id.
    pub id: i64,
    /// The name it signs in with (unique).
    pub name: String,
    /// The name shown (e.g. 张三).
    pub display_name: String,
    /// Its roles over scopes.
    pub grants: Vec<Grant>,
    /// When it was made (Unix seconds).
    pub created_at: i64,
    /// When it was disabled, if it is.
    pub disabled_at: Option<i64>,
}

impl Account {
    /// The account as authorization sees it.
    pub fn principal(&self) -> Principal {
        Principal {
            user_id: Some(self.id),
            name: self.name.clone(),
            grants: self.grants.clone(),
        }
    }

    /// Whether it may sign in.
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// An account to add.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Sign-in name.
    pub name: String,
    /// Shown name.
    pub display_name: String,
    /// The Argon2id hash of its password ([`secret::hash_password`]).
    pub password_hash: String,
    /// Its roles over scopes.
    pub grants: Vec<Grant>,
}

/// An API token as listed (its secret is never kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TokenInfo {
    /// Its id (what `gridd token revoke` takes).
    pub id: i64,
    /// The account it acts for.
    pub account: String,
    /// What it is for (e.g. `field app, tablet 3`).
    pub name: String,
    /// Issued (Unix seconds).
    pub created_at: i64,
    /// Stops working (Unix seconds).
    pub expires_at: i64,
    /// Revoked, if it was.
    pub revoked_at: Option<i64>,
}

/// A signed-in browser session as the store keeps it.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// Whose.
    pub account: Account,
    /// The token a cookie-authenticated write must repeat in `X-CSRF-Token`.
    pub csrf: String,
    /// When it ends unless used again (Unix seconds).
    pub expires_at: i64,
}

/// Checks a sign-in name: 1–64 characters, no control characters or spaces.
pub fn check_name(field: &str, name: &str) -> Result<(), FieldError> {
    check_text(field, name, false)?;
    if name.is_empty() || name.chars().count() > 64 {
        return Err(FieldError::new(field, "must be 1 to 64 characters"));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(FieldError::new(field, "must not contain spaces"));
    }
    Ok(())
}

/// Checks a display name: 1–100 characters, no control characters.
pub fn check_display_name(field: &str, name: &str) -> Result<(), FieldError> {
    check_text(field, name, false)?;
    let n = name.trim().chars().count();
    if n == 0 || n > 100 {
        return Err(FieldError::new(field, "must be 1 to 100 characters"));
    }
    Ok(())
}

/// Checks a new password: at least [`MIN_PASSWORD`] characters, at most
/// [`MAX_PASSWORD`], not the account's name. The reason never repeats the password.
pub fn check_password(field: &str, password: &str, name: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD {
        return Err(FieldError::new(
            field,
            format!("must be at least {MIN_PASSWORD} characters"),
        ));
    }
    if n > MAX_PASSWORD {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_PASSWORD} characters"),
        ));
    }
    if password.eq_ignore_ascii_case(name) {
        return Err(FieldError::new(field, "must not be the account's name"));
    }
    Ok(())
}

/// Parses grants, naming the field of each bad one.
pub fn parse_grants(field: &str, raw: &[String]) -> Result<Vec<Grant>, Vec<FieldError>> {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, g) in raw.iter().enumerate() {
        match Grant::parse(g) {
            Ok(g) => out.push(g),
            Err(e) => errors.push(FieldError::new(format!("{field}[{i}]"), e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Checks a token's name and lifetime (shared by HTTP and the command line).
pub fn check_token(name: &str, days: Option<i64>) -> Result<i64, Vec<FieldError>> {
    let mut errors = Vec::new();
    errors.extend(check_display_name("name", name).err());
    let days = days.unwrap_or(TOKEN_DAYS);
    if !(1..=TOKEN_MAX_DAYS).contains(&days) {
        errors.push(FieldError::new(
            "days",
            format!("must be 1 to {}", TOKEN_MAX_DAYS),
        ));
    }
    if errors.is_empty() {
        Ok(now() + days * 86_400)
    } else {
        Err(errors)
    }
}

/// The current time in Unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn names_and_passwords_are_checked_without_echoing_the_password() {
        assert!(check_name("name", "zhang.san").is_ok());
        assert!(check_name("name", "张三").is_ok());
        assert!(check_name("name", "").is_err());
        assert!(check_name("name", "a b").is_err());
        assert!(check_name("name", "a\u{0}b").is_err());
        assert!(check_password("password", "short", "x").is_err());
        let e = check_password("password", "zhang.san1", "ZHANG.SAN1").unwrap_err();
        assert!(!e.to_string().contains("zhang"), "{e}");
        assert!(check_password("password", "correct horse battery", "zhang").is_ok());
        assert!(check_display_name("display_name", "  ").is_err());
    }
}
