//! Following other instances: with PostGIS, every committed write appends a
//! numbered row to the change log and sends `NOTIFY gridd` with
//! `{"origin": "<instance>", "seq": <number>}` (see `store::postgis`). Each
//! `gridd serve` LISTENs on that channel; a notification from another instance is a
//! doorbell: [`App::catch_up`] reads the change log after the newest change the
//! atlas has and applies each foreign change's rows through the one change path
//! (`App::apply`). An instance's own notifications are skipped (its commits are
//! already applied), and nothing is ever reloaded whole — an import of 100,000
//! buildings is re-read by id like a one-grid edit.
//!
//! Change numbers grow in commit order (writers serialise on an advisory lock
//! around their change-log row), so "everything after n" misses nothing: after a
//! lost connection the follower reconnects and catches up from the log.
//!
//! Start-up: `gridd serve` calls [`listen`] *before* it loads the store and hands
//! the listener to [`spawn_listening`]; the load records the newest change number
//! it includes, so notifications queued meanwhile apply only what the load missed.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sqlx::postgres::PgListener;

use crate::app::App;
use crate::store::NOTIFY_CHANNEL;

/// The payload of a `gridd` notification.
#[derive(Debug, Deserialize, PartialEq, Eq)]
struct Notice {
    origin: String,
    seq: i64,
}

/// Whether a notification is another instance's (then the log is read); a payload
/// that cannot be read is treated as foreign (reading the log is always safe).
fn foreign(payload: &str, me: &str) -> bool {
    serde_json::from_str::<Notice>(payload).map_or(true, |n| n.origin != me)
}

/// Starts following the database at `url` in the background, for as long as the
/// process runs, for an atlas loaded *before* this call: catches up once after
/// LISTEN. Reconnects with a one-second pause after failures.
pub fn spawn(app: Arc<App>, url: String) -> tokio::task::JoinHandle<()> {
    run(app, url, None)
}

/// LISTENs on the notification channel; call before loading the store and pass the
/// listener to [`spawn_listening`].
///
/// # Errors
/// When the database cannot be reached.
pub async fn listen(url: &str) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(NOTIFY_CHANNEL).await?;
    Ok(listener)
}

/// Like [`spawn`], with a `listener` from [`listen`] that was listening before the
/// atlas was loaded.
pub fn spawn_listening(
    app: Arc<App>,
    url: String,
    listener: PgListener,
) -> tokio::task::JoinHandle<()> {
    run(app, url, Some(listener))
}

fn run(app: Arc<App>, url: String, mut early: Option<PgListener>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = follow(&app, &url, early.take()).await {
                tracing::warn!(error = %e, "following other instances failed; retrying in 1 s");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

async fn follow(app: &App, url: &str, early: Option<PgListener>) -> Result<(), sqlx::Error> {
    let mut listener = match early {
        Some(l) => l,
        None => listen(url).await?,
    };
    // Changes committed while nobody listened (before LISTEN, or while the
    // connection was down) are in the log.
    catch_up(app).await;
    tracing::info!(channel = NOTIFY_CHANNEL, "following other instances");
    loop {
        match listener.try_recv().await? {
            Some(n) if foreign(n.payload(), app.origin()) => catch_up(app).await,
            Some(_) => {}
            // The connection dropped; the next call reconnects (and catches up).
            None => return Ok(()),
        }
    }
}

async fn catch_up(app: &App) {
    if let Err(e) = app.catch_up().await {
        tracing::warn!(error = ?e, "cannot apply changes from other instances");
    }
}

/// Publishes other instances' case steps to this instance's live-feed
/// subscribers: LISTENs on `gridd_cases` (each other instance's notification a doorbell for
/// [`crate::case_desk::Desk::catch_up`], which reads the steps after the newest
/// one published). Catches up after every (re)connection.
pub fn spawn_cases(desk: Arc<crate::case_desk::Desk>, url: String) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = follow_cases(&desk, &url).await {
                tracing::warn!(error = %e, "following other instances' cases failed; retrying in 1 s");
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    })
}

async fn follow_cases(desk: &crate::case_desk::Desk, url: &str) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(url).await?;
    listener.listen(crate::store::postgis::CASE_CHANNEL).await?;
    desk.catch_up().await;
    loop {
        match listener.try_recv().await? {
            // Its own steps it has published as it committed them.
            Some(n) if foreign(n.payload(), desk.store().case_origin()) => desk.catch_up().await,
            Some(_) => {}
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::foreign;

    #[test]
    fn own_notifications_are_skipped() {
        assert!(!foreign(r#"{"origin":"a1","seq":42}"#, "a1"));
        assert!(foreign(r#"{"origin":"b2","seq":43}"#, "a1"));
        assert!(foreign("garbage", "a1"));
    }
}
