//! The open cases on the map: an in-memory index of every open case, the `cases`
//! vector tiles drawn from it (clustered below [`CLUSTER_BELOW`]), and their cache.
//!
//! The desk applies every case it publishes ([`CaseMap::apply`]) before the
//! write's answer is sent, whether this instance wrote it or another one did, so
//! the tiles are invalidated exactly where a case changed, at every zoom, as the
//! grid tiles are by an edit. A tile also changes with time alone (a case falls
//! due or turns overdue): each cached tile knows when the first case in it will,
//! and is drawn again from then on.
//!
//! Tiles depend on who asks (a case outside the caller's scope is not in them):
//! the cache keeps one tile per scope ([`scope_key`]) under each tile address.
//! Tiles carry no personal data (no reporter, address or description).

mod render;
#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use gridd_tiles::{TileCoord, lonlat_to_mercator, mercator_to_lonlat, tiles_covering_buffered};
use rstar::RTree;
use rstar::primitives::GeomWithData;

pub use render::{CELLS, LAYER, render};

use crate::cases::duplicates::Near;
use crate::cases::{Case, Source, Stage, Unit, Urgency};
use crate::domain::access::Principal;
use crate::domain::grid::{GridId, SubdistrictId};
use crate::vector_tiles::{MAX_ZOOM, Tile};

/// Below this zoom cases are drawn in clusters (one per cell of 64 px).
pub const CLUSTER_BELOW: u8 = 15;
/// A case due within this many seconds is near its deadline (as the web app).
pub const NEAR_SECS: i64 = 2 * 3600;

/// How a case stands against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Due {
    /// No deadline running (not filed yet, or deferred).
    None,
    /// Due later.
    Ok,
    /// Due within [`NEAR_SECS`].
    Near,
    /// Past its deadline.
    Overdue,
}

impl Due {
    /// The name in tiles: `none`, `ok`, `near`, `overdue`.
    pub fn as_str(self) -> &'static str {
        match self {
            Due::None => "none",
            Due::Ok => "ok",
            Due::Near => "near",
            Due::Overdue => "overdue",
        }
    }
}

/// An open case as the map draws it.
#[derive(Debug, Clone, PartialEq)]
pub struct Pin {
    /// The case's id.
    pub id: i64,
    /// Its number.
    pub number: String,
    /// Its subdistrict.
    pub subdistrict_id: SubdistrictId,
    /// Longitude (WGS 84), as stored.
    pub lon: f64,
    /// Latitude (WGS 84), as stored.
    pub lat: f64,
    /// When it was reported (Unix seconds).
    pub reported_at: i64,
    /// Web Mercator metres.
    pub x: f64,
    /// Web Mercator metres.
    pub y: f64,
    /// Where it is in the loop (an open stage).
    pub stage: Stage,
    /// Its category's code.
    pub category: String,
    /// Where the report came from.
    pub source: Source,
    /// Its urgency.
    pub urgency: Urgency,
    /// When it is due (Unix seconds), while the clock runs.
    pub deadline: Option<i64>,
    /// 0, 1 (督办) or 2 (领导小组).
    pub supervision: u8,
    /// Its grids, leaf first (for the scope check).
    pub path: Box<[GridId]>,
    /// The units it is dispatched to (for department accounts).
    pub units: Box<[Unit]>,
}

impl Pin {
    /// The pin of an open case; `None` for a finished one.
    pub fn of(c: &Case) -> Option<Self> {
        if !c.stage.is_open() || !c.lon.is_finite() || !c.lat.is_finite() {
            return None;
        }
        let m = lonlat_to_mercator(geo::coord! { x: c.lon, y: c.lat });
        Some(Self {
            id: c.id,
            number: c.number.clone(),
            subdistrict_id: c.subdistrict_id,
            lon: c.lon,
            lat: c.lat,
            reported_at: c.reported_at,
            x: m.x,
            y: m.y,
            stage: c.stage,
            category: c.category.clone(),
            source: c.source,
            urgency: c.urgency,
            deadline: c.deadline,
            supervision: c.supervision,
            path: c.grid_path.iter().rev().copied().collect(),
            units: c.units.clone().into_boxed_slice(),
        })
    }

    /// How it stands at `now` (as the web app's `dueOf`).
    pub fn due(&self, now: i64) -> Due {
        match self.deadline {
            None => Due::None,
            Some(d) if d < now => Due::Overdue,
            Some(d) if d - now <= NEAR_SECS => Due::Near,
            Some(_) => Due::Ok,
        }
    }

    /// The first time after `now` at which [`Pin::due`] changes.
    pub fn changes_after(&self, now: i64) -> Option<i64> {
        let d = self.deadline?;
        [d - NEAR_SECS, d + 1].into_iter().find(|&t| t > now)
    }
}

type Point = GeomWithData<[f64; 2], i64>;

/// The open cases, by id and by place.
#[derive(Default)]
pub struct Index {
    pins: HashMap<i64, Pin>,
    tree: RTree<Point>,
    subdistricts: BTreeMap<SubdistrictId, usize>,
}

impl Index {
    /// Puts the case in (open) or takes it out (finished); answers the places
    /// whose tiles changed (where it was and where it is), none when its pin is
    /// as it was.
    pub fn apply(&mut self, c: &Case) -> Vec<[f64; 2]> {
        let new = Pin::of(c);
        let old = self.pins.get(&c.id);
        if old == new.as_ref() {
            return Vec::new();
        }
        let mut places = Vec::with_capacity(2);
        if let Some(o) = self.pins.remove(&c.id) {
            self.tree.remove(&Point::new([o.x, o.y], o.id));
            if let Some(n) = self.subdistricts.get_mut(&o.subdistrict_id) {
                *n -= 1;
                if *n == 0 {
                    self.subdistricts.remove(&o.subdistrict_id);
                }
            }
            places.push([o.x, o.y]);
        }
        if let Some(p) = new {
            self.tree.insert(Point::new([p.x, p.y], p.id));
            *self.subdistricts.entry(p.subdistrict_id).or_default() += 1;
            places.push([p.x, p.y]);
            self.pins.insert(p.id, p);
        }
        places
    }

    /// The pins in a box of Web Mercator metres.
    pub fn within(&self, min: [f64; 2], max: [f64; 2]) -> impl Iterator<Item = &Pin> {
        self.tree
            .locate_in_envelope(&rstar::AABB::from_corners(min, max))
            .filter_map(|p| self.pins.get(&p.data))
    }

    /// The open cases of a category in a subdistrict, reported at `since` or
    /// later, inside a box of degrees `[min lon, min lat, max lon, max lat]`: what
    /// [`crate::cases::duplicates::candidates`] measures.
    pub fn near(
        &self,
        subdistrict: SubdistrictId,
        category: &str,
        bbox: [f64; 4],
        since: i64,
    ) -> Vec<Near> {
        let min = lonlat_to_mercator(geo::coord! { x: bbox[0], y: bbox[1] });
        let max = lonlat_to_mercator(geo::coord! { x: bbox[2], y: bbox[3] });
        self.within([min.x, min.y], [max.x, max.y])
            .filter(|p| {
                p.subdistrict_id == subdistrict && p.category == category && p.reported_at >= since
            })
            .map(|p| Near {
                id: p.id,
                number: p.number.clone(),
                lon: p.lon,
                lat: p.lat,
                reported_at: p.reported_at,
            })
            .collect()
    }

    /// The pin of a case, if it is open.
    pub fn get(&self, id: i64) -> Option<&Pin> {
        self.pins.get(&id)
    }

    /// How many open cases.
    pub fn len(&self) -> usize {
        self.pins.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }
}

/// A tile drawn for one scope, good until a time.
struct Drawn {
    scope: u64,
    tile: Arc<Tile>,
    /// Unix seconds from which the tile may differ (a case in it changes how it
    /// stands against its deadline).
    until: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    z: u8,
    x: u32,
    y: u32,
}

#[derive(Clone)]
struct Weigher;

impl quick_cache::Weighter<Key, Arc<Vec<Drawn>>> for Weigher {
    fn weight(&self, _: &Key, v: &Arc<Vec<Drawn>>) -> u64 {
        v.iter()
            .map(|d| (d.tile.raw.len() + d.tile.gzip.len() + 128) as u64)
            .sum::<u64>()
            .max(1)
    }
}

/// Which of the open cases a tile draws: the command center's board filters (the
/// same names as `GET /cases`); the default passes every case. A filtered tile's
/// clusters count only the cases that pass.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PinFilter {
    /// One stage.
    pub stage: Option<Stage>,
    /// One category code.
    pub category: Option<String>,
    /// One source.
    pub source: Option<Source>,
    /// Only cases in this grid's subtree.
    pub grid: Option<GridId>,
    /// Only cases dispatched to this unit.
    pub unit: Option<Unit>,
    /// Only overdue (`true`) or not overdue (`false`) cases.
    pub overdue: Option<bool>,
    /// Reported at or after (Unix seconds).
    pub since: Option<i64>,
    /// Reported before (Unix seconds).
    pub until: Option<i64>,
}

impl PinFilter {
    /// Whether `p` passes at `now`.
    pub fn passes(&self, p: &Pin, now: i64) -> bool {
        self.stage.is_none_or(|s| p.stage == s)
            && self.category.as_ref().is_none_or(|c| p.category == *c)
            && self.source.is_none_or(|s| p.source == s)
            && self.grid.is_none_or(|g| p.path.contains(&g))
            && self.unit.as_ref().is_none_or(|u| p.units.contains(u))
            && self
                .overdue
                .is_none_or(|o| (p.due(now) == Due::Overdue) == o)
            && self.since.is_none_or(|t| p.reported_at >= t)
            && self.until.is_none_or(|t| p.reported_at < t)
    }

    /// Whether it passes every case.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// The cache key of the tiles of `scope` (see [`scope_key`]) under this filter:
    /// `scope` itself when the filter is empty.
    pub fn key(&self, scope: u64) -> u64 {
        if self.is_empty() {
            return scope;
        }
        use std::hash::{Hash, Hasher};
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        scope.hash(&mut h);
        self.hash(&mut h);
        h.finish()
    }
}

/// The open cases and their tiles.
pub struct CaseMap {
    index: parking_lot::RwLock<Index>,
    cache: Option<quick_cache::sync::Cache<Key, Arc<Vec<Drawn>>, Weigher>>,
    generation: AtomicU64,
    gate: parking_lot::Mutex<()>,
    rendered: AtomicU64,
}

/// The cache key of what `who` may see: their grants (and their name when a
/// department grant makes the units they act for count).
pub fn scope_key(who: &Principal) -> u64 {
    let mut grants: Vec<String> = who.grants.iter().map(ToString::to_string).collect();
    grants.sort();
    let mut text = grants.join(",");
    if crate::cases::scope::CaseScope::needs_units(who) {
        text.push('|');
        text.push_str(&who.name);
    }
    xxhash_rust::xxh3::xxh3_64(text.as_bytes())
}

impl CaseMap {
    /// An empty map whose tile cache holds at most `bytes` (0: no cache).
    pub fn new(bytes: u64) -> Self {
        let cache = (bytes > 0).then(|| {
            let items = (bytes / 1024).max(64) as usize;
            quick_cache::sync::Cache::with_weighter(items, bytes, Weigher)
        });
        Self {
            index: parking_lot::RwLock::new(Index::default()),
            cache,
            generation: AtomicU64::new(0),
            gate: parking_lot::Mutex::new(()),
            rendered: AtomicU64::new(0),
        }
    }

    /// Takes in a case as it is now (published by the desk) and drops the tiles
    /// where it was and where it is, at every zoom.
    pub fn apply(&self, c: &Case) {
        let places = self.index.write().apply(c);
        if !places.is_empty() {
            self.invalidate(&places);
        }
    }

    fn invalidate(&self, places: &[[f64; 2]]) {
        let _g = self.gate.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        let Some(cache) = &self.cache else { return };
        if cache.is_empty() {
            return;
        }
        for &[x, y] in places {
            for z in 0..=MAX_ZOOM {
                // A clustered case moves its cluster, anywhere in its cell.
                let half = if z < CLUSTER_BELOW {
                    gridd_tiles::tile::tile_size_mercator(z) / f64::from(CELLS)
                } else {
                    0.0
                };
                let min = mercator_to_lonlat(geo::coord! { x: x - half, y: y - half });
                let max = mercator_to_lonlat(geo::coord! { x: x + half, y: y + half });
                let range = tiles_covering_buffered(
                    geo::Rect::new(min, max),
                    z,
                    gridd_tiles::DEFAULT_BUFFER,
                    gridd_tiles::DEFAULT_EXTENT,
                );
                for t in range.iter() {
                    cache.remove(&Key {
                        z: t.z,
                        x: t.x,
                        y: t.y,
                    });
                }
            }
        }
    }

    /// The subdistricts that have open cases.
    pub fn subdistricts(&self) -> Vec<SubdistrictId> {
        self.index.read().subdistricts.keys().copied().collect()
    }

    /// How many cases are open.
    pub fn len(&self) -> usize {
        self.index.read().len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.index.read().is_empty()
    }

    /// The open cases near a report: see [`Index::near`].
    pub fn near(
        &self,
        subdistrict: SubdistrictId,
        category: &str,
        bbox: [f64; 4],
        since: i64,
    ) -> Vec<Near> {
        self.index.read().near(subdistrict, category, bbox, since)
    }

    /// The pin of an open case.
    pub fn pin(&self, id: i64) -> Option<Pin> {
        self.index.read().get(id).cloned()
    }

    /// How many tiles were drawn (cache misses).
    pub fn rendered(&self) -> u64 {
        self.rendered.load(Ordering::Relaxed)
    }

    /// The tile at `coord` for the scope `scope` (see [`scope_key`]), whose cases
    /// are those `visible` lets through and `filter` passes, as they stand at
    /// `now`: from the cache (one tile per scope and filter), or drawn. A tile
    /// drawn while a case changed is not kept.
    pub fn tile(
        &self,
        scope: u64,
        filter: &PinFilter,
        coord: TileCoord,
        now: i64,
        visible: impl Fn(&Pin) -> bool,
    ) -> Arc<Tile> {
        let scope = filter.key(scope);
        let key = Key {
            z: coord.z,
            x: coord.x,
            y: coord.y,
        };
        if let Some(v) = self.cache.as_ref().and_then(|c| c.get(&key))
            && let Some(d) = v.iter().find(|d| d.scope == scope && now < d.until)
        {
            return d.tile.clone();
        }
        let generation = self.generation.load(Ordering::Acquire);
        let (raw, until) = render(&self.index.read(), coord, now, filter, visible);
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let tile = Arc::new(crate::vector_tiles::finish(raw, self.cache.is_some()));
        if let Some(c) = &self.cache {
            let _g = self.gate.lock();
            if self.generation.load(Ordering::Acquire) == generation {
                let mut next: Vec<Drawn> = c
                    .get(&key)
                    .map(|v| {
                        v.iter()
                            .filter(|d| d.scope != scope && now < d.until)
                            .map(|d| Drawn {
                                scope: d.scope,
                                tile: d.tile.clone(),
                                until: d.until,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                next.push(Drawn {
                    scope,
                    tile: tile.clone(),
                    until,
                });
                c.insert(key, Arc::new(next));
            }
        }
        tile
    }
}
