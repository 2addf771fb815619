//! Following other instances: with PostGIS, every committed write sends
//! `NOTIFY gridd` with `{"entity", "action", "id", "subdistrict_id"}` (see
//! `store::postgis`). Each `gridd serve` LISTENs on that channel and brings its atlas
//! up to date: a grid write re-reads that one grid; anything else (an import batch,
//! an unknown payload, a lost connection that may have dropped notifications)
//! reloads everything from the store. Applying is idempotent and version-checked
//! ([`App::follow`]), so this instance's own notifications cost one query and change
//! nothing.
//!
//! Start-up: `gridd serve` calls [`listen`] *before* it loads the store and hands the
//! listener to [`spawn_listening`], so every write committed after LISTEN is queued
//! for us and nothing needs reloading right after the start. (Reloading rebuilt the
//! whole atlas and cleared the whole tile cache, seconds of stall on a city.) A
//! write committed between LISTEN and the load is both in the load and notified;
//! applying it again is a no-op. [`spawn`], for an atlas loaded before LISTEN,
//! still reloads once after LISTEN.

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sqlx::postgres::PgListener;

use crate::app::App;
use crate::store::NOTIFY_CHANNEL;

/// The payload of a `gridd` notification.
#[derive(Debug, Deserialize)]
struct Notice {
    entity: String,
    id: Option<i64>,
}

/// What a notification asks for: one grid re-read, or everything reloaded.
fn target(payload: &str) -> Option<i64> {
    match serde_json::from_str::<Notice>(payload) {
        Ok(Notice {
            entity,
            id: Some(id),
        }) if entity == "grid" => Some(id),
        _ => None,
    }
}

/// Starts following the database at `url` in the background, for as long as the
/// process runs, for an atlas loaded *before* this call: reloads once after LISTEN.
/// Reconnects with a one-second pause after failures.
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
/// atlas was loaded: no reload at start (queued notifications are applied).
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
        None => {
            let l = listen(url).await?;
            // Writes committed between our load (or the lost connection) and this
            // LISTEN are not notified to us.
            resync(app).await;
            l
        }
    };
    tracing::info!(channel = NOTIFY_CHANNEL, "following other instances");
    loop {
        match listener.try_recv().await? {
            Some(n) => {
                let grid = target(n.payload());
                if let Err(e) = app.follow(grid).await {
                    tracing::warn!(error = ?e, payload = n.payload(), "cannot apply a change from another instance");
                }
            }
            // The connection dropped; the next call reconnects. Notifications sent
            // meanwhile are lost, so reload.
            None => resync(app).await,
        }
    }
}

async fn resync(app: &App) {
    if let Err(e) = app.follow(None).await {
        tracing::warn!(error = ?e, "cannot reload the store");
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn payloads() {
        assert_eq!(
            target(r#"{"entity":"grid","action":"update","id":42,"subdistrict_id":1}"#),
            Some(42)
        );
        assert_eq!(
            target(r#"{"entity":"batch","action":"import","id":null,"subdistrict_id":1}"#),
            None
        );
        assert_eq!(target("garbage"), None);
    }
}
