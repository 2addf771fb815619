//! The live feed of case events (Server-Sent Events), `GET /events`.
//!
//! Every subscriber gets every step of every case it may see, numbered, in order.
//! An event's bytes are made once per masking (reporter shown or hidden) and
//! shared by all subscribers ([`crate::case_desk::Event::frame`]); what is ready
//! when a subscriber wakes is written as one chunk, so a busy desk costs a
//! subscriber one write per wake-up, not one per step.
//!
//! Subscribers who may read patrols also get `event: patrol_position`: a grid
//! worker's newest counted fix of each request of fixes stored
//! ([`crate::patrol_positions`]), where their scope covers its grid. Once a
//! subscriber has had one (or resumed with one), every event's id is
//! `<step>:<position>` — the newest step and position numbers — so a client
//! resuming with `Last-Event-ID` misses neither.

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
use crate::domain::access::Action;
use crate::domain::access::Principal;
use crate::error::Error;
use crate::patrol_positions::Position;

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
    /// Resume after this event id (as `Last-Event-ID`, which wins when both
    /// are sent): a step number, or `<step>:<position>`; without either, only
    /// what happens from now on.
    after: Option<String>,
}

/// One event of the feed: a step and the case after it.
#[derive(Debug, Serialize, ToSchema)]
pub(super) struct FeedEvent<'a> {
    /// The step; its `seq` is the event id.
    step: &'a Step,
    /// The case after it, as the subscriber may see it.
    case: &'a Case,
}

/// The `data:` line of an `event: case` frame (the same for every subscriber who
/// sees the case alike; the frame's head with its id is each subscriber's).
fn frame(step: &Step, case: &Case) -> Bytes {
    let data = serde_json::to_string(&FeedEvent { step, case }).unwrap_or_default();
    // JSON has no raw newlines, so the data is one `data:` line.
    Bytes::from(format!("data: {data}\n\n"))
}

/// A subscriber's positions (those who may read patrols somewhere).
struct PositionFeed {
    hub: Arc<crate::patrol_desk::PatrolDesk>,
    rx: broadcast::Receiver<Arc<Position>>,
    /// The newest position number sent (or skipped as unseen).
    last: i64,
    /// Positions kept, not yet sent (a resume).
    backlog: VecDeque<Arc<Position>>,
    /// Ids carry the position number (a position was sent, or resumed from).
    numbered: bool,
}

/// Waits for the next position (never, for a subscriber without positions).
async fn next_position(
    p: &mut Option<PositionFeed>,
) -> Result<Arc<Position>, broadcast::error::RecvError> {
    match p {
        Some(p) => p.rx.recv().await,
        None => std::future::pending().await,
    }
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
    /// Workers' positions, for a subscriber who may read patrols.
    positions: Option<PositionFeed>,
}

impl Feed {
    /// The event id after what was sent: `<step>` or `<step>:<position>`.
    fn id(&self) -> String {
        let step = self.last.unwrap_or(0);
        match &self.positions {
            Some(p) if p.numbered => format!("{step}:{}", p.last),
            _ => step.to_string(),
        }
    }

    /// The head of an event's frame: its type and id.
    fn head(&self, event: &str) -> String {
        format!("event: {event}\nid: {}\n", self.id())
    }

    /// The next position to send: the backlog's, then what the channel holds
    /// now; one the subscriber may not see is skipped.
    fn position(&mut self) -> Option<Bytes> {
        let who = self.who.clone();
        let p = self.positions.as_mut()?;
        let shown = loop {
            let next = match p.backlog.pop_front() {
                Some(x) => x,
                None => match p.rx.try_recv() {
                    Ok(x) => x,
                    Err(TryRecvError::Lagged(_)) => {
                        // Too slow: the newest are kept.
                        p.backlog.extend(p.hub.positions().after(p.last));
                        continue;
                    }
                    Err(_) => return None,
                },
            };
            if next.n <= p.last {
                continue;
            }
            p.last = next.n;
            if next.visible_to(&who) {
                p.numbered = true;
                break next;
            }
        };
        let mut out = self.head("patrol_position").into_bytes();
        out.extend_from_slice(&shown.data());
        Some(Bytes::from(out))
    }

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
        let data = ev.frame(masked, || {
            frame(&ev.step, &self.desk.shown(&self.who, ev.case.clone()))
        });
        let mut out = self.head("case").into_bytes();
        out.extend_from_slice(&data);
        Some(Bytes::from(out))
    }

    /// The frame of a step read back from the store.
    async fn read_back(&mut self, step: Step) -> Option<Bytes> {
        self.last = Some(step.seq);
        let case = self.desk.case(&self.who, step.case_id).await.ok()?;
        let mut out = self.head("case").into_bytes();
        out.extend_from_slice(&frame(&step, &case));
        Some(Bytes::from(out))
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
            let idle = self.positions.as_ref().is_none_or(|p| p.backlog.is_empty());
            let first = if self.backlog.is_empty() && !self.closed && idle {
                // Only this wait races the heartbeat: `recv` loses nothing when
                // the tick wins.
                tokio::select! {
                    got = self.rx.recv() => Some(got.map_err(|e| match e {
                        broadcast::error::RecvError::Lagged(n) => TryRecvError::Lagged(n),
                        broadcast::error::RecvError::Closed => TryRecvError::Closed,
                    })),
                    got = next_position(&mut self.positions) => {
                        match (got, self.positions.as_mut()) {
                            (Ok(x), Some(p)) => p.backlog.push_back(x),
                            // Too slow: the newest are kept.
                            (Err(broadcast::error::RecvError::Lagged(_)), Some(p)) => {
                                p.backlog.extend(p.hub.positions().after(p.last));
                            }
                            // No more positions (never while the desk lives).
                            _ => self.positions = None,
                        }
                        None
                    }
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
            if let Some(f) = self.position() {
                out.extend_from_slice(&f);
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
/// A caller who may read patrols also gets `event: patrol_position` (a
/// [`Position`]: a worker's newest counted fix of a request, where the caller's
/// scope covers its grid); from the first, ids are `<step>:<position>`.
/// Comments every 15 s keep proxies from closing it.
#[utoipa::path(get, operation_id = "events", path = "/events", tag = "cases", params(FeedParams,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id (`<step>` or `<step>:<position>`)")),
    responses((status = 200, description = "`event: case` with a FeedEvent as data; `event: patrol_position` with a Position", body = FeedEvent, content_type = "text/event-stream")))]
async fn feed(
    State(s): State<super::State>,
    Extension(who): Extension<Arc<Authenticated>>,
    headers: HeaderMap,
    Query(p): Query<FeedParams>,
) -> Result<Response, ApiError> {
    let (resume, resume_position) = match headers.get("last-event-id") {
        Some(v) => event_id("Last-Event-ID", v.to_str().unwrap_or("\u{fffd}"))?,
        None => match p.after.as_deref() {
            Some(a) => event_id("after", a)?,
            None => (None, None),
        },
    };
    // Subscribe before reading back, so nothing falls between the two.
    let rx = s.desk.subscribe();
    let positions = who.principal.may_somewhere(Action::ReadPatrols).then(|| {
        let hub = s.patrols.clone();
        let rx = hub.positions().subscribe();
        let (last, backlog, numbered) = match resume_position {
            Some(n) => (n, hub.positions().after(n).into(), true),
            None => (hub.positions().newest(), VecDeque::new(), false),
        };
        PositionFeed {
            hub,
            rx,
            last,
            backlog,
            numbered,
        }
    });
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
        positions,
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

/// An event id: `<step>` or `<step>:<position>` (a 422 naming `field` otherwise).
fn event_id(field: &str, v: &str) -> Result<(Option<i64>, Option<i64>), Error> {
    let bad = || Error::invalid(field, "an event id: a step number, or <step>:<position>");
    let v = v.trim();
    match v.split_once(':') {
        None => Ok((Some(v.parse().map_err(|_| bad())?), None)),
        Some((a, b)) => Ok((
            Some(a.parse().map_err(|_| bad())?),
            Some(b.parse().map_err(|_| bad())?),
        )),
    }
}
