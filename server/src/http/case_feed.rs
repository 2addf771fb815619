//! The live feed of case events (Server-Sent Events), `GET /events`.
//!
//! Every subscriber gets every step of every case it may see, numbered, in order.
//! An event's bytes are made once per masking (reporter shown or hidden) and
//! shared by all subscribers ([`crate::case_desk::Event::frame`]); what is ready
//! when a subscriber wakes is written as one chunk, so a busy desk costs a
//! subscriber one write per wake-up, not one per step.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tokio::sync::broadcast::{self, error::TryRecvError};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::auth::Authenticated;
use super::problem::{ApiError, Query};
use crate::case_desk::{Desk, Event};
use crate::cases::{Case, Step};
use crate::domain::access::Principal;
use crate::error::Error;

/// Steps read back from the store per page (resume and lag recovery).
const PAGE: i64 = 5000;
/// A chunk stops growing past this many bytes.
const CHUNK: usize = 64 * 1024;
/// A comment keeps proxies from closing a quiet feed.
const HEARTBEAT: Duration = Duration::from_secs(15);

pub(super) fn routes() -> OpenApiRouter<super::State> {
    OpenApiRouter::new().routes(routes!(feed))
}

/// Where a feed resumes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct FeedParams {
    /// Resume after this step number (as `Last-Event-ID`, which wins when both
    /// are sent); without either, only what happens from now on.
    after: Option<i64>,
}

/// One event of the feed: a step and the case after it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FeedEvent<'a> {
    /// The step; its `seq` is the event id.
    step: &'a Step,
    /// The case after it, as the subscriber may see it.
    case: &'a Case,
}

/// One `event: case` frame.
fn frame(step: &Step, case: &Case) -> Bytes {
    let data = serde_json::to_string(&FeedEvent { step, case }).unwrap_or_default();
    // JSON has no raw newlines, so the data is one `data:` line.
    Bytes::from(format!("event: case\nid: {}\ndata: {data}\n\n", step.seq))
}

struct Feed {
    desk: Arc<Desk>,
    who: Arc<Principal>,
    rx: broadcast::Receiver<Arc<Event>>,
    /// The newest step number sent (or skipped as unseen).
    last: Option<i64>,
    /// Steps read back from the store, not yet sent.
    backlog: VecDeque<Step>,
    /// The channel closed: the server is stopping.
    closed: bool,
}

impl Feed {
    /// The frame of a published event, if the subscriber may see it and has not
    /// had it through the read-back.
    async fn live(&mut self, ev: &Event) -> Option<Bytes> {
        // The desk publishes every step once, in number order: what the
        // read-back already sent comes again here, once.
        if self.last.is_some_and(|l| ev.step.seq <= l) {
            return None;
        }
        self.last = Some(ev.step.seq);
        if !self
            .desk
            .may_read(&self.who, &ev.case)
            .await
            .unwrap_or(false)
        {
            return None;
        }
        let masked = self.desk.hides_reporter(&self.who, &ev.case);
        Some(ev.frame(masked, || {
            frame(&ev.step, &self.desk.shown(&self.who, ev.case.clone()))
        }))
    }

    /// The frame of a step read back from the store.
    async fn read_back(&mut self, step: Step) -> Option<Bytes> {
        self.last = Some(step.seq);
        let case = self.desk.case(&self.who, step.case_id).await.ok()?;
        Some(frame(&step, &case))
    }

    /// Too slow: the broadcast dropped events; the store has them all.
    async fn recover(&mut self) -> bool {
        let from = self.last.unwrap_or(0);
        match self.desk.steps_after(from, PAGE).await {
            Ok(missed) => {
                self.backlog.extend(missed);
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "case feed could not read missed steps back");
                false
            }
        }
    }

    /// The next chunk: what is ready when the first event comes, or a heartbeat
    /// comment when `beat` ticks first. `None` ends the feed.
    async fn next_chunk(&mut self, beat: &mut tokio::time::Interval) -> Option<Bytes> {
        loop {
            let first = if self.backlog.is_empty() && !self.closed {
                // Only this wait races the heartbeat: `recv` loses nothing when
                // the tick wins.
                tokio::select! {
                    got = self.rx.recv() => Some(got.map_err(|e| match e {
                        broadcast::error::RecvError::Lagged(n) => TryRecvError::Lagged(n),
                        broadcast::error::RecvError::Closed => TryRecvError::Closed,
                    })),
                    _ = beat.tick() => return Some(Bytes::from_static(b":\n\n")),
                }
            } else {
                None
            };
            let out = self.gather(first).await;
            if !out.is_empty() {
                beat.reset();
                return Some(Bytes::from(out));
            }
            if self.closed && self.backlog.is_empty() {
                return None;
            }
        }
    }

    /// The frames of `first` and of whatever else is ready without waiting, up
    /// to [`CHUNK`] bytes.
    async fn gather(&mut self, first: Option<Result<Arc<Event>, TryRecvError>>) -> Vec<u8> {
        let mut out: Vec<u8> = Vec::new();
        let mut next = first;
        while out.len() < CHUNK {
            if let Some(step) = self.backlog.pop_front() {
                if let Some(f) = self.read_back(step).await {
                    out.extend_from_slice(&f);
                }
                continue;
            }
            let got = match next.take() {
                Some(got) => got,
                None if self.closed => break,
                None => self.rx.try_recv(),
            };
            match got {
                Ok(ev) => {
                    if let Some(f) = self.live(&ev).await {
                        out.extend_from_slice(&f);
                    }
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Lagged(_)) => {
                    if !self.recover().await {
                        self.closed = true;
                    }
                }
                Err(TryRecvError::Closed) => self.closed = true,
            }
        }
        out
    }
}

/// The live feed of case events (Server-Sent Events): every step of every case
/// the caller may see, numbered (`id:` = the step's number); a client that
/// reconnects with `Last-Event-ID` misses nothing (read back from the store).
/// Comments every 15 s keep proxies from closing it.
#[utoipa::path(get, operation_id = "events", path = "/events", tag = "cases", params(FeedParams,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this step number")),
    responses((status = 200, description = "`event: case` with a FeedEvent as data", body = FeedEvent, content_type = "text/event-stream")))]
async fn feed(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    headers: HeaderMap,
    Query(p): Query<FeedParams>,
) -> Result<Response, ApiError> {
    let resume = match headers.get("last-event-id") {
        Some(v) => Some(
            v.to_str()
                .ok()
                .and_then(|v| v.trim().parse::<i64>().ok())
                .ok_or_else(|| Error::invalid("Last-Event-ID", "a step number"))?,
        ),
        None => p.after,
    };
    // Subscribe before reading back, so nothing falls between the two.
    let rx = s.desk.subscribe();
    let mut backlog = VecDeque::new();
    let last = match resume {
        Some(after) => {
            let mut at = after;
            loop {
                let page = s.desk.steps_after(at, PAGE).await?;
                let full = page.len() == PAGE as usize;
                if let Some(l) = page.last() {
                    at = l.seq;
                }
                backlog.extend(page);
                if !full {
                    break;
                }
            }
            Some(after)
        }
        // Live from now: from the newest step published (a step committed but not
        // yet published still comes through the channel).
        None => Some(s.desk.published().await),
    };
    let feed = Feed {
        desk: s.desk.clone(),
        who: who.principal.clone(),
        rx,
        last,
        backlog,
        closed: false,
    };
    let start = tokio::time::Instant::now() + HEARTBEAT;
    let beat = tokio::time::interval_at(start, HEARTBEAT);
    let chunks = futures::stream::unfold((feed, beat), |(mut f, mut beat)| async move {
        let chunk = f.next_chunk(&mut beat).await?;
        Some((Ok::<_, std::convert::Infallible>(chunk), (f, beat)))
    });
    let mut res = Response::new(Body::from_stream(chunks));
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    // Proxies such as nginx pass each chunk on at once.
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(res)
}
