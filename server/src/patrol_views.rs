//! Read-only views of patrol tracks (issue 13): a grid's coverage by its patrols
//! (item 4, `GET /patrols/coverage`) and the `tracks` map tiles (item 5,
//! `GET /track-tiles/{z}/{x}/{y}`). Both read counted fixes from the patrol
//! store and hand them to plain code: the coverage to
//! [`crate::patrols::coverage`], the tiles to [`track_lines`] and the tile
//! encoder.
//!
//! **Whose tracks a caller sees on the map.** Their own, always. Another
//! worker's fixes only where a role *other than* `grid_worker` gives the caller
//! `read_patrols` (an operator, an auditor, the subdistrict admin, within their
//! scopes): a grid worker sees only their own track, though they may read the
//! patrol figures of their grid.

use std::collections::HashMap;

use geo::{BoundingRect, Coord, Geometry, LineString, Rect};
use gridd_tiles::{PropValue, TileBuilder, TileCoord};

use crate::accounts::Account;
use crate::domain::access::{Action, Principal, Role};
use crate::domain::grid::GridId;
use crate::error::{Error, FieldError, Result};
use crate::index::Atlas;
use crate::patrols::audit::own_grids;
use crate::patrols::coverage::{Coverage, REACH_M, coverage};
use crate::patrols::patrol::{OwnGrids, PatrolRules, PlacedFix, detect};
use crate::patrols::{AccountId, GridTree, Millis};
use crate::store::patrols::PatrolStore;

/// The tile layer's name.
pub const LAYER: &str = "tracks";
/// A track line ends where two fixes are more than this apart (5 min, the
/// patrol rule's gap).
pub const MAX_GAP_MS: Millis = 5 * 60_000;
/// One day, ms.
pub const DAY_MS: Millis = 86_400_000;
/// The longest period a coverage reads: 93 days (a quarter).
pub const MAX_PERIOD_MS: Millis = 93 * DAY_MS;

/// A grid's coverage over a period.
#[derive(Debug, Clone)]
pub struct GridCoverage {
    /// The grid.
    pub grid: GridId,
    /// From (Unix ms, inclusive).
    pub from_ms: Millis,
    /// To (Unix ms, exclusive).
    pub to_ms: Millis,
    /// The patrols whose fixes were counted.
    pub patrols: usize,
    /// The figures and what nobody walked.
    pub coverage: Coverage,
}

/// The coverage of `grid` by its patrols from `from_ms` to `to_ms`, for a caller
/// who may read patrols there (403 otherwise, 404 for no such grid).
///
/// **Its patrols**: the patrols (default rules: 20 min, 500 m) found in the
/// period's counted fixes of the grid workers of the grid, of a grid below it or
/// of a grid above it (`grid_worker` grants, accounts active at the period's
/// start), whose grid is the grid, one below it or one above it. Their fixes
/// from the patrol's first to its last make the tracks (the steps of a short
/// excursion included); fixes outside any patrol — a walk across the grid, the
/// way to it — do not count. A patrol is judged on the fixes within the period.
pub async fn grid_coverage(
    store: &dyn PatrolStore,
    atlas: &Atlas,
    who: &Principal,
    accounts: &[Account],
    grid: GridId,
    from_ms: Millis,
    to_ms: Millis,
) -> Result<GridCoverage> {
    if to_ms <= from_ms {
        return Err(Error::invalid("to", "must be after `from`"));
    }
    if to_ms - from_ms > MAX_PERIOD_MS {
        return Err(Error::invalid(
            "to",
            "a period of at most 93 days (a quarter); ask for several",
        ));
    }
    let Some(g) = atlas.grid(grid) else {
        return Err(Error::NotFound(format!("grid {grid}")));
    };
    if let Some(Err(d)) = atlas.authorize_grid(who, Action::ReadPatrols, grid) {
        return Err(d.into());
    }
    let tree = GridTree::from_atlas(atlas);
    let above: Vec<GridId> = tree.up(grid).collect();
    let related = |x: GridId| above.contains(&x) || tree.up(x).any(|a| a == grid);
    let mut workers: HashMap<AccountId, Vec<GridId>> = HashMap::new();
    for a in accounts {
        if a.disabled_at.is_some_and(|t| t * 1000 <= from_ms) {
            continue;
        }
        let own: Vec<GridId> = own_grids(&a.grants)
            .into_iter()
            .filter(|&x| tree.get(x).is_some())
            .collect();
        if own.iter().any(|&x| related(x)) {
            workers.insert(a.id, own);
        }
    }
    let mut ids: Vec<AccountId> = workers.keys().copied().collect();
    ids.sort_unstable();
    let rules = PatrolRules::default();
    let mut tracks: Vec<Vec<Coord>> = Vec::new();
    let mut patrols = 0;
    let mut sink = |w: AccountId, fixes: &[PlacedFix]| {
        let own = OwnGrids::new(workers.get(&w).map_or(&[][..], Vec::as_slice), &tree);
        for p in detect(w, own, rules, fixes) {
            if !related(p.grid) {
                continue;
            }
            patrols += 1;
            tracks.push(
                fixes
                    .iter()
                    .filter(|f| f.time_ms >= p.start_ms && f.time_ms <= p.end_ms)
                    .map(|f| f.pos)
                    .collect(),
            );
        }
    };
    store
        .counted_tracks(&ids, from_ms, to_ms, &mut sink)
        .await?;
    let geometry = &g.grid.draft.geometry;
    let bbox = geometry.bounding_rect();
    let buildings = atlas.buildings_in(bbox);
    let roads = atlas.roads_in(bbox);
    let b: Vec<&crate::domain::reference::Building> = buildings.iter().map(|x| &***x).collect();
    let r: Vec<&crate::domain::reference::Road> = roads.iter().map(|x| &***x).collect();
    let coverage = coverage(geometry, &b, &r, &tracks, REACH_M);
    Ok(GridCoverage {
        grid,
        from_ms,
        to_ms,
        patrols,
        coverage,
    })
}

/// The first instant (Unix ms) of a day `YYYY-MM-DD` in China time (+08:00,
/// the case calendar's and the audit week's).
pub fn day_start_ms(day: &str) -> Option<Millis> {
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    if day.len() != 10 {
        return None;
    }
    let t = d.and_hms_opt(0, 0, 0)?;
    Some(
        t.and_utc().timestamp_millis()
            - i64::from(crate::cases::calendar::CHINA_OFFSET.local_minus_utc()) * 1000,
    )
}

/// A period's bound: Unix ms, or a day `YYYY-MM-DD` in China time — its start for
/// `from`, the start of the day after for `to` (the day included). A 422 names
/// `field` otherwise.
pub fn instant(field: &str, v: &str, end: bool) -> Result<Millis> {
    if let Ok(ms) = v.trim().parse::<i64>() {
        return Ok(ms);
    }
    day_start_ms(v.trim())
        .map(|t| if end { t + DAY_MS } else { t })
        .ok_or_else(|| {
            Error::invalid(
                field,
                format!("Unix milliseconds or a day YYYY-MM-DD (China time), got {v:?}"),
            )
        })
}

/// One line of a tile: a stretch of one worker's counted fixes.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackLine {
    /// The worker.
    pub worker: AccountId,
    /// The first fix's time, ms.
    pub start_ms: Millis,
    /// The last fix's time, ms.
    pub end_ms: Millis,
    /// The fixes' positions, degrees.
    pub coords: Vec<Coord>,
}

/// A worker's counted fixes (in time order) as lines: a line ends where two
/// fixes are more than `max_gap_ms` apart and where a fix is not `shown` (it is
/// left out); a line of one fix is no line.
pub fn track_lines(
    worker: AccountId,
    fixes: &[PlacedFix],
    max_gap_ms: Millis,
    mut shown: impl FnMut(&PlacedFix) -> bool,
) -> Vec<TrackLine> {
    let mut out = Vec::new();
    let mut cur: Option<TrackLine> = None;
    let close = |cur: &mut Option<TrackLine>, out: &mut Vec<TrackLine>| {
        if let Some(l) = cur.take()
            && l.coords.len() >= 2
        {
            out.push(l);
        }
    };
    for f in fixes {
        if !shown(f) {
            close(&mut cur, &mut out);
            continue;
        }
        if cur
            .as_ref()
            .is_some_and(|l| f.time_ms - l.end_ms > max_gap_ms || f.time_ms < l.end_ms)
        {
            close(&mut cur, &mut out);
        }
        match &mut cur {
            Some(l) => {
                l.end_ms = f.time_ms;
                l.coords.push(f.pos);
            }
            None => {
                cur = Some(TrackLine {
                    worker,
                    start_ms: f.time_ms,
                    end_ms: f.time_ms,
                    coords: vec![f.pos],
                });
            }
        }
    }
    close(&mut cur, &mut out);
    out
}

/// The `tracks` tile of day `[day_ms, day_ms + 24 h)` for `who`: MVT bytes, empty
/// when no line falls in it. Lines are [`track_lines`] of counted fixes (gaps of
/// more than 5 min split them), with `worker`, `start_ms`, `end_ms`; nothing else
/// (no name). `worker` limits it to one worker (another's needs a role beyond
/// `grid_worker`: 403 naming `worker`).
pub async fn track_tile(
    store: &dyn PatrolStore,
    atlas: &Atlas,
    who: &Principal,
    coord: TileCoord,
    day_ms: Millis,
    worker: Option<AccountId>,
) -> Result<Vec<u8>> {
    let others = who.without(Role::GridWorker);
    let may_others = others.may_somewhere(Action::ReadPatrols);
    let me = who.user_id;
    if let Some(w) = worker
        && Some(w) != me
        && !may_others
    {
        return Err(Error::Forbidden(
            FieldError::new(
                "worker",
                format!(
                    "account {w} is not yours; a grid worker sees only their own track (other workers' need an operator's, auditor's or admin's right to read patrols there)"
                ),
            )
            .to_string(),
        ));
    }
    // The tile's box with the encoder's buffer, degrees.
    let b = coord.bounds_lonlat();
    let pad = |v: f64| {
        v * f64::from(gridd_tiles::DEFAULT_BUFFER) / f64::from(gridd_tiles::DEFAULT_EXTENT)
    };
    let (px, py) = (pad(b.width()), pad(b.height()));
    let area = Rect::new(
        geo::coord! { x: b.min().x - px, y: b.min().y - py },
        geo::coord! { x: b.max().x + px, y: b.max().y + py },
    );
    let (from_ms, to_ms) = (day_ms, day_ms + DAY_MS);
    let workers: Vec<AccountId> = match worker {
        Some(w) => vec![w],
        None if !may_others => me.into_iter().collect(),
        None => {
            let mut grids: Vec<GridId> = (1..=5)
                .flat_map(|l| atlas.grids_meeting(l, area).map(|(id, _)| id))
                .collect();
            grids.sort_unstable();
            grids.dedup();
            let mut ws = if grids.is_empty() {
                Vec::new()
            } else {
                store.workers_in_grids(&grids, from_ms, to_ms).await?
            };
            ws.extend(me);
            ws.sort_unstable();
            ws.dedup();
            ws
        }
    };
    let mut seen: HashMap<GridId, bool> = HashMap::new();
    let mut lines: Vec<TrackLine> = Vec::new();
    let mut sink = |w: AccountId, fixes: &[PlacedFix]| {
        let own = Some(w) == me;
        let shown = |f: &PlacedFix| {
            own || f.grid.is_some_and(|g| {
                *seen.entry(g).or_insert_with(|| {
                    matches!(
                        atlas.authorize_grid(&others, Action::ReadPatrols, g),
                        Some(Ok(()))
                    )
                })
            })
        };
        lines.extend(
            track_lines(w, fixes, MAX_GAP_MS, shown)
                .into_iter()
                .filter(|l| {
                    LineString(l.coords.clone())
                        .bounding_rect()
                        .is_some_and(|r| geo::Intersects::intersects(&r, &area))
                }),
        );
    };
    store
        .counted_tracks(&workers, from_ms, to_ms, &mut sink)
        .await?;
    Ok(render(coord, &lines))
}

/// The MVT bytes of `lines` (empty when none is left in the tile).
pub fn render(coord: TileCoord, lines: &[TrackLine]) -> Vec<u8> {
    let mut b = TileBuilder::new(coord);
    let layer = b.layer(LAYER);
    for l in lines {
        b.add_feature_lonlat(
            layer,
            None,
            &Geometry::LineString(LineString(l.coords.clone())),
            &[
                ("worker", PropValue::Int(l.worker)),
                ("start_ms", PropValue::Int(l.start_ms)),
                ("end_ms", PropValue::Int(l.end_ms)),
            ],
        );
    }
    if b.is_empty() { Vec::new() } else { b.finish() }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fix(t_s: i64, x: f64, grid: Option<GridId>) -> PlacedFix {
        PlacedFix {
            time_ms: t_s * 1000,
            pos: geo::coord! { x: 120.6 + x * 1e-4, y: 31.3 },
            grid,
        }
    }

    #[test]
    fn lines_split_at_gaps_and_at_fixes_not_shown() {
        // 0–20 s, then a 6 min gap, then 400–420 s with a hidden fix at 410 s,
        // then a lone fix.
        let fixes = [
            fix(0, 0.0, Some(1)),
            fix(10, 1.0, Some(1)),
            fix(20, 2.0, Some(1)),
            fix(380, 3.0, Some(1)),
            fix(390, 4.0, Some(1)),
            fix(400, 5.0, Some(2)),
            fix(410, 6.0, Some(1)),
            fix(420, 7.0, Some(1)),
            fix(900, 8.0, Some(1)),
        ];
        let lines = track_lines(7, &fixes, MAX_GAP_MS, |f| f.grid == Some(1));
        let spans: Vec<(i64, i64, usize)> = lines
            .iter()
            .map(|l| (l.start_ms, l.end_ms, l.coords.len()))
            .collect();
        assert_eq!(
            spans,
            [(0, 20_000, 3), (380_000, 390_000, 2), (410_000, 420_000, 2)]
        );
        assert!(lines.iter().all(|l| l.worker == 7));
        // A gap of exactly 5 min does not split.
        let two = [fix(0, 0.0, None), fix(300, 1.0, None)];
        assert_eq!(track_lines(1, &two, MAX_GAP_MS, |_| true).len(), 1);
    }

    /// The cost of a coverage: the demo's L3 grid with the most buildings, walked
    /// along its real streets for a working week (8 h a day, a fix every 10 s:
    /// 14,400 fixes). Ignored by default; it prints the figures.
    #[test]
    #[ignore = "timing"]
    fn timing_of_a_weeks_coverage_of_a_demo_grid() {
        use crate::patrols::walk::{Network, WalkSpec, walk_streets};
        let batch = crate::demo::batch(&crate::demo::default_dir(), &crate::import::quiet).unwrap();
        let polys = |g: &Geometry| match g {
            Geometry::Polygon(p) => Some(p.clone()),
            Geometry::MultiPolygon(m) => m.0.first().cloned(),
            _ => None,
        };
        let grid = batch
            .grids
            .iter()
            .filter(|g| g.draft.level == 3)
            .max_by_key(|g| {
                batch
                    .buildings
                    .iter()
                    .filter(|b| {
                        geo::InteriorPoint::interior_point(&b.footprint)
                            .is_some_and(|p| geo::Contains::contains(&g.draft.geometry, &p))
                    })
                    .count()
            })
            .unwrap();
        let area = polys(&grid.draft.geometry).unwrap();
        let lines: Vec<LineString> = batch
            .roads
            .iter()
            .filter_map(|r| match &r.line {
                Geometry::LineString(l) => Some(l.clone()),
                _ => None,
            })
            .collect();
        let net = Network::new(&lines);
        let tracks: Vec<Vec<Coord>> = (0..5)
            .map(|d| {
                walk_streets(
                    &net,
                    &area,
                    &WalkSpec {
                        start_ms: d * DAY_MS,
                        duration_ms: 8 * 3_600_000,
                        seed: 7 + d as u64,
                        ..Default::default()
                    },
                )
                .into_iter()
                .map(|f| f.pos)
                .collect()
            })
            .collect();
        let b: Vec<&crate::domain::reference::Building> = batch.buildings.iter().collect();
        let r: Vec<&crate::domain::reference::Road> = batch.roads.iter().collect();
        let t = std::time::Instant::now();
        let c = coverage(&grid.draft.geometry, &b, &r, &tracks, REACH_M);
        let took = t.elapsed();
        let fixes: usize = tracks.iter().map(Vec::len).sum();
        println!(
            "coverage of {} ({fixes} fixes, {} buildings and {} roads as candidates): {:?}; \
             buildings {}/{}, roads {:.0}/{:.0} m",
            grid.draft.code,
            b.len(),
            r.len(),
            took,
            c.passed,
            c.buildings,
            c.walked_m,
            c.road_m
        );
        assert!(c.buildings > 0 && c.passed > 0 && c.walked_m > 0.0);
    }

    #[test]
    fn days_are_china_days() {
        // 2026-12-07 00:00 +08:00 = 2026-12-06 16:00 UTC.
        assert_eq!(day_start_ms("2026-12-07"), Some(1_796_572_800_000));
        assert_eq!(
            instant("to", "2026-12-07", true).unwrap(),
            1_796_572_800_000 + DAY_MS
        );
        assert_eq!(
            instant("from", "1796572800123", false).unwrap(),
            1_796_572_800_123
        );
        assert!(day_start_ms("2026-13-01").is_none());
        assert!(day_start_ms("2026-1-7").is_none());
        assert!(instant("from", "yesterday", false).is_err());
    }
}
