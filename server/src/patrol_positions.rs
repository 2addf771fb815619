//! Workers' positions for the live feed (issue 13, item 6): after a request's
//! fixes are stored, each worker's newest counted fix of the request becomes one
//! `patrol_position` event of `GET /events`, numbered, kept for replay.
//!
//! Positions are not case steps: they are numbered here, per instance, from a
//! clock (a number is at least the publishing time in microseconds and above the
//! one before, so numbers keep growing across a restart), and the newest
//! [`KEPT`] are held in memory for a subscriber that resumes
//! (`Last-Event-ID: <step>:<position>`). Only the instance that stored the fixes
//! publishes them; a position older than the kept ones is not replayed (a
//! position is only worth its newest value).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, OnceLock};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::access::{Action, Principal, Resource, authorize};
use crate::domain::grid::GridId;
use crate::index::Atlas;
use crate::patrols::{AccountId, Millis};
use crate::store::patrols::StoredFix;

/// Positions kept for replay.
pub const KEPT: usize = 4096;

/// One worker's position: their newest counted fix of a request.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Position {
    /// Its number (the position part of the event id).
    pub n: i64,
    /// The grid worker's account id.
    pub worker: AccountId,
    /// WGS 84 degrees.
    pub lon: f64,
    /// WGS 84 degrees.
    pub lat: f64,
    /// Device time, Unix ms.
    pub time_ms: Millis,
    /// The subdistrict it lies in.
    pub subdistrict_id: i64,
    /// Its grids from the L1 grid down to the deepest (empty: in no grid).
    pub grid_path: Vec<GridId>,
    /// The `data:` line of its frame, made once for every subscriber.
    #[serde(skip)]
    data: OnceLock<Bytes>,
}

impl Position {
    /// Whether `who` may see it: they may read patrols where it lies.
    pub fn visible_to(&self, who: &Principal) -> bool {
        let path: Vec<GridId> = self.grid_path.iter().rev().copied().collect();
        let res = if path.is_empty() {
            Resource::Subdistrict(self.subdistrict_id)
        } else {
            Resource::Grid {
                subdistrict: self.subdistrict_id,
                path: &path,
            }
        };
        authorize(who, Action::ReadPatrols, res).is_ok()
    }

    /// `data: {json}\n\n`, the same for every subscriber.
    pub fn data(&self) -> Bytes {
        self.data
            .get_or_init(|| {
                let json = serde_json::to_string(self).unwrap_or_default();
                Bytes::from(format!("data: {json}\n\n"))
            })
            .clone()
    }
}

struct Kept {
    last: i64,
    ring: VecDeque<Arc<Position>>,
    /// Each worker's newest time published: a late upload (fixes older than
    /// that) publishes nothing.
    newest: HashMap<AccountId, Millis>,
}

/// The positions published: a channel for live subscribers and the newest kept.
pub struct Positions {
    kept: Mutex<Kept>,
    tx: broadcast::Sender<Arc<Position>>,
}

impl Default for Positions {
    fn default() -> Self {
        Self {
            kept: Mutex::new(Kept {
                last: 0,
                ring: VecDeque::with_capacity(KEPT),
                newest: HashMap::new(),
            }),
            tx: broadcast::channel(KEPT).0,
        }
    }
}

impl Positions {
    /// Publishes, for each worker of a stored request, their newest counted fix in
    /// it that lies in a subdistrict (at most one per worker), placed with `atlas`
    /// — unless it is not newer than the worker's last one published (a late
    /// upload is no position).
    pub fn publish(&self, atlas: &Atlas, rows: &[StoredFix]) {
        let mut newest: HashMap<AccountId, &StoredFix> = HashMap::new();
        for f in rows.iter().filter(|f| f.flag.is_none()) {
            let e = newest.entry(f.worker).or_insert(f);
            if f.time_ms >= e.time_ms {
                *e = f;
            }
        }
        let mut list: Vec<&StoredFix> = newest.into_values().collect();
        list.sort_by_key(|f| f.worker);
        let now_us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for f in list {
            let Some(sd) = f.subdistrict_id else { continue };
            if kept.newest.get(&f.worker).is_some_and(|&t| t >= f.time_ms) {
                continue;
            }
            kept.newest.insert(f.worker, f.time_ms);
            let grid_path = f
                .grid_id
                .and_then(|g| atlas.path(g))
                .map(|(_, p)| p.into_iter().rev().collect())
                .unwrap_or_default();
            kept.last = (kept.last + 1).max(now_us);
            let p = Arc::new(Position {
                n: kept.last,
                worker: f.worker,
                lon: f.lon,
                lat: f.lat,
                time_ms: f.time_ms,
                subdistrict_id: sd,
                grid_path,
                data: OnceLock::new(),
            });
            if kept.ring.len() == KEPT {
                kept.ring.pop_front();
            }
            kept.ring.push_back(p.clone());
            // Sent under the lock: subscribers get them in number order. Nobody
            // listening is fine.
            let _ = self.tx.send(p);
        }
    }

    /// Positions from now on (subscribe before reading [`Positions::after`]).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Position>> {
        self.tx.subscribe()
    }

    /// The kept positions numbered after `n`, in order.
    pub fn after(&self, n: i64) -> Vec<Arc<Position>> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        kept.ring.iter().filter(|p| p.n > n).cloned().collect()
    }

    /// The newest number published (0: none yet).
    pub fn newest(&self) -> i64 {
        self.kept
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .last
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::patrols::fix::Flag;

    fn row(worker: AccountId, time_ms: Millis, flag: Option<Flag>) -> StoredFix {
        StoredFix {
            worker,
            time_ms,
            lon: 120.6 + time_ms as f64 * 1e-9,
            lat: 31.3,
            accuracy_m: None,
            speed_mps: None,
            subdistrict_id: Some(1),
            grid_id: None,
            flag,
        }
    }

    #[test]
    fn one_position_per_worker_and_request_numbered_and_kept() {
        let atlas = Atlas::build(vec![], vec![], vec![], vec![]);
        let hub = Positions::default();
        let mut rx = hub.subscribe();
        // Worker 1: three fixes, the newest flagged; worker 2: one; worker 3:
        // outside every subdistrict.
        let mut outside = row(3, 50, None);
        outside.subdistrict_id = None;
        hub.publish(
            &atlas,
            &[
                row(1, 10, None),
                row(1, 30, None),
                row(2, 20, None),
                row(1, 40, Some(Flag::TooFast)),
                outside,
            ],
        );
        let a = rx.try_recv().unwrap();
        let b = rx.try_recv().unwrap();
        assert!(rx.try_recv().is_err());
        assert_eq!((a.worker, a.time_ms), (1, 30));
        assert_eq!((b.worker, b.time_ms), (2, 20));
        assert!(b.n > a.n && a.n > 0);
        assert_eq!(hub.newest(), b.n);
        // A late upload of worker 1 publishes nothing; a newer fix does.
        hub.publish(&atlas, &[row(1, 5, None)]);
        assert!(rx.try_recv().is_err());
        hub.publish(&atlas, &[row(1, 60, None)]);
        let c = rx.try_recv().unwrap();
        assert_eq!((c.worker, c.time_ms), (1, 60));
        // Replay after the first: the two after it, in order.
        let after: Vec<i64> = hub.after(a.n).iter().map(|p| p.n).collect();
        assert_eq!(after, [b.n, c.n]);
        let data = String::from_utf8(c.data().to_vec()).unwrap();
        assert!(data.starts_with("data: {\"n\":"), "{data}");
        assert!(
            data.ends_with("\n\n") && !data.contains("\"data\""),
            "{data}"
        );
    }
}
