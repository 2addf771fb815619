//! `gridd user …` and `gridd token …`, and the demo accounts of `gridd serve
//! --demo`: accounts are made here first (the first administrator included).
//! Passwords come from standard input (`--password-stdin`) or are generated and
//! printed once; tokens are printed once and never stored.

use std::io::Read;

use clap::Subcommand;

use super::StoreArgs;
use crate::accounts::{self, NewAccount, secret};
use crate::domain::access::{Grant, Role, Scope};
use crate::domain::change::Actor;
use crate::error::{Error, Result};
use crate::index::Atlas;
use crate::store::{AccountChange, AccountStore};

/// `gridd user …`.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account. Without `--password-stdin` a password is generated and printed once.
    Add {
        /// Sign-in name.
        name: String,
        /// Role over a scope, repeatable: `planner@subdistrict:1`, `grid_worker@grid:42`,
        /// `subdistrict_admin@all`, `auditor@all`, …
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Shown name (default: the sign-in name).
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List accounts with their roles.
    List {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Disable an account (its sessions end at once; its tokens stop working).
    Disable {
        /// Sign-in name.
        name: String,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Enable a disabled account again.
    Enable {
        /// Sign-in name.
        name: String,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Set a new password (its sessions end). Without `--password-stdin` one is
    /// generated and printed once.
    ResetPassword {
        /// Sign-in name.
        name: String,
        /// Read the password from standard input (one line).
        #[arg(long)]
        password_stdin: bool,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Replace an account's roles.
    SetRoles {
        /// Sign-in name.
        name: String,
        /// Role over a scope, repeatable (as for `add`).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `gridd token …`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Issue an API token for an account; it is printed once.
    Create {
        /// The account it acts for.
        account: String,
        /// What it is for (e.g. "field app, tablet 3").
        #[arg(long)]
        name: String,
        /// Days it lasts (1–366).
        #[arg(long, default_value_t = accounts::TOKEN_DAYS)]
        days: i64,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Revoke a token at once.
    Revoke {
        /// The token's id (see `gridd token list`).
        id: i64,
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List tokens (never their secrets).
    List {
        /// Where the data lives.
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// Who the command line signs the audit log as.
fn cli_actor(command: &str) -> Actor {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    Actor::new(format!("cli:{user}"), Some(format!("gridd {command}")))
}

fn grants(roles: &[String]) -> Result<Vec<Grant>> {
    accounts::parse_grants("role", roles).map_err(Error::Invalid)
}

/// A new password: read from standard input, or generated (then printed).
fn password(from_stdin: bool, name: &str) -> Result<(String, bool)> {
    let pw = if from_stdin {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Error::invalid("password", format!("cannot read standard input: {e}")))?;
        s.lines().next().unwrap_or("").to_owned()
    } else {
        return Ok((generated_password(), true));
    };
    accounts::check_password("password", &pw, name).map_err(|e| Error::Invalid(vec![e]))?;
    Ok((pw, false))
}

/// A generated password: 20 hex characters (80 random bits).
fn generated_password() -> String {
    secret::new_secret()[..20].to_owned()
}

fn active(active: bool) -> AccountChange<'static> {
    AccountChange {
        active: Some(active),
        ..AccountChange::default()
    }
}

fn password_hash(hash: &str) -> AccountChange<'_> {
    AccountChange {
        password_hash: Some(hash),
        ..AccountChange::default()
    }
}

fn roles_text(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(|g| format!("{g} ({})", g.role.title_zh()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `gridd user …`.
pub async fn user(cmd: UserCommand) -> Result<()> {
    match cmd {
        UserCommand::Add {
            name,
            roles,
            display_name,
            password_stdin,
            store,
        } => {
            accounts::check_name("name", &name).map_err(|e| Error::Invalid(vec![e]))?;
            let display = display_name.unwrap_or_else(|| name.clone());
            accounts::check_display_name("display_name", &display)
                .map_err(|e| Error::Invalid(vec![e]))?;
            let grants = grants(&roles)?;
            let (pw, generated) = password(password_stdin, &name)?;
            let s = store.open_backend().await?.accounts();
            let a = s
                .add_account(
                    &NewAccount {
                        name: name.clone(),
                        display_name: display,
                        password_hash: secret::hash_password(&pw),
                        grants,
                    },
                    &cli_actor("user add"),
                )
                .await?;
            println!("added {} (id {}): {}", a.name, a.id, roles_text(&a.grants));
            if generated {
                println!("password (shown once): {pw}");
            }
        }
        UserCommand::List { store } => {
            let s = store.open_backend().await?.accounts();
            for a in s.accounts().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    a.name,
                    a.display_name,
                    if a.is_active() { "active" } else { "disabled" },
                    roles_text(&a.grants)
                );
            }
        }
        UserCommand::Disable { name, store } => {
            let s = store.open_backend().await?.accounts();
            s.change_account(&name, active(false), &cli_actor("user disable"))
                .await?;
            println!("{name} disabled: its sessions ended and its tokens stop working");
        }
        UserCommand::Enable { name, store } => {
            let s = store.open_backend().await?.accounts();
            s.change_account(&name, active(true), &cli_actor("user enable"))
                .await?;
            println!("{name} enabled");
        }
        UserCommand::ResetPassword {
            name,
            password_stdin,
            store,
        } => {
            let (pw, generated) = password(password_stdin, &name)?;
            let s = store.open_backend().await?.accounts();
            let hash = secret::hash_password(&pw);
            s.change_account(
                &name,
                password_hash(&hash),
                &cli_actor("user reset-password"),
            )
            .await?;
            println!("password of {name} replaced; its sessions ended");
            if generated {
                println!("password (shown once): {pw}");
            }
        }
        UserCommand::SetRoles { name, roles, store } => {
            let g = grants(&roles)?;
            let s = store.open_backend().await?.accounts();
            let change = AccountChange {
                grants: Some(&g),
                ..AccountChange::default()
            };
            let a = s
                .change_account(&name, change, &cli_actor("user set-roles"))
                .await?;
            println!("{}: {}", a.name, roles_text(&a.grants));
        }
    }
    Ok(())
}

/// Runs `gridd token …`.
pub async fn token(cmd: TokenCommand) -> Result<()> {
    match cmd {
        TokenCommand::Create {
            account,
            name,
            days,
            store,
        } => {
            let expires = accounts::check_token(&name, Some(days)).map_err(Error::Invalid)?;
            let s = store.open_backend().await?.accounts();
            let token = secret::new_token();
            let info = s
                .issue_token(
                    &account,
                    name.trim(),
                    &secret::digest(&token),
                    expires,
                    &cli_actor("token create"),
                )
                .await?;
            println!(
                "token {} for {} ({}), expires {}",
                info.id,
                info.account,
                info.name,
                time_text(info.expires_at)
            );
            println!("{token}");
            eprintln!("(shown once: send it as `Authorization: Bearer <token>`)");
        }
        TokenCommand::Revoke { id, store } => {
            let s = store.open_backend().await?.accounts();
            if s.revoke_token(id, &cli_actor("token revoke")).await? {
                println!("token {id} revoked");
            } else {
                return Err(Error::NotFound(format!("token {id}")));
            }
        }
        TokenCommand::List { store } => {
            let s = store.open_backend().await?.accounts();
            for t in s.tokens().await? {
                let state = match t.revoked_at {
                    Some(r) => format!("revoked {}", time_text(r)),
                    None if t.expires_at <= accounts::now() => "expired".into(),
                    None => format!("expires {}", time_text(t.expires_at)),
                };
                println!("{}\t{}\t{}\t{state}", t.id, t.account, t.name);
            }
        }
    }
    Ok(())
}

fn time_text(unix: i64) -> String {
    chrono::DateTime::from_timestamp(unix, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| unix.to_string())
}

/// The demo's accounts, one per role, over the demo subdistrict (the grid worker
/// over its first L1 grid), each with `password` or a newly generated one (also
/// when the account exists already: the list printed always works). Prints them.
pub async fn demo_accounts(
    store: &dyn AccountStore,
    atlas: &Atlas,
    password: Option<&str>,
) -> Result<()> {
    let Some(sd) = atlas.subdistricts().next().map(|s| s.id) else {
        return Ok(());
    };
    let l1 = atlas
        .grids(Some(sd), Some(1), None, None)
        .first()
        .map(|g| g.grid.id);
    let worker_scope = l1.map_or(Scope::Subdistrict(sd), Scope::Grid);
    let list = [
        ("admin", Role::SubdistrictAdmin, Scope::All),
        ("planner", Role::Planner, Scope::Subdistrict(sd)),
        ("operator", Role::Operator, Scope::Subdistrict(sd)),
        ("worker", Role::GridWorker, worker_scope),
        ("department", Role::Department, Scope::Subdistrict(sd)),
        ("auditor", Role::Auditor, Scope::All),
        ("public", Role::Public, Scope::All),
    ];
    let actor = Actor::new("gridd demo", Some("demo accounts".into()));
    println!("demo accounts (name / password / role):");
    for (name, role, scope) in list {
        let grant = Grant { role, scope };
        let existing = store.account_by_name(name).await?.map(|_| ());
        let shown = match (existing, password) {
            (None, _) => {
                let pw = password.map_or_else(generated_password, str::to_owned);
                store
                    .add_account(
                        &NewAccount {
                            name: name.into(),
                            display_name: format!("演示{}", role.title_zh()),
                            password_hash: secret::hash_password(&pw),
                            grants: vec![grant],
                        },
                        &actor,
                    )
                    .await?;
                pw
            }
            // An existing demo account gets the password asked for, or a new one,
            // so that the printed list always works.
            (Some(_), pw) => {
                let pw = pw.map_or_else(generated_password, str::to_owned);
                let hash = secret::hash_password(&pw);
                store
                    .change_account(name, password_hash(&hash), &actor)
                    .await?;
                pw
            }
        };
        println!("  {name:<11} {shown:<22} {grant} {}", role.title_zh());
    }
    Ok(())
}
