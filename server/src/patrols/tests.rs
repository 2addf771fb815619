//! Unit tests of patrols, over a small hand-made world in the local frame around
//! (120.62° E, 31.30° N), metres east (x) and north (y) of it:
//!
//! ```text
//! y 450 ┌────────────┬────┬────────────┐
//!       │ L3 100     │101 │ L3 102     │   100, 101 in L2 10; 102 in L2 11;
//!       │            │    │            │   10 and 11 in L1 1.
//! y -50 └────────────┴────┴────────────┘
//!      x -50        450  594          1094
//! ```
//!
//! Anything else within ±3 km is in the subdistrict but in no grid.

use geo::{Coord, LineString, Polygon, coord};

use super::audit::{AuditRules, Week, WorkerTrack, audit};
use super::fix::{FixChecker, FixInput, Flag, Last, MAX_FIXES, check_fixes, flag_batch};
use super::patrol::{OwnGrids, PatrolRules, PlacedFix, detect};
use super::track_file::{self, TrackPoint, parse_geojson, parse_gpx, to_geojson, to_gpx};
use super::walk::{Network, WalkSpec, teleport, walk_path, walk_streets};
use super::{GridTree, Millis};
use crate::coverage::text::Lang;
use crate::domain::frame::LocalFrame;
use crate::domain::grid::GridId;
use crate::lookup::datum::{Datum, wgs84_to_gcj02};

/// 2026-11-30, a Monday, 09:00 +08:00 (ISO week 2026-W49).
const MON_0900: Millis = 1_796_000_400_000;
const HOUR: Millis = 3_600_000;
const DAY: Millis = 24 * HOUR;
const MIN: Millis = 60_000;

fn frame() -> LocalFrame {
    LocalFrame::new(coord! { x: 120.62, y: 31.30 })
}

/// Metres in the world → degrees.
fn deg(x: f64, y: f64) -> Coord {
    frame().to_degrees(coord! { x: x, y: y })
}

/// The deepest grid of a position (degrees).
fn place(c: Coord) -> Option<GridId> {
    let m = frame().to_metres(c);
    if !(-50.0..450.0).contains(&m.y) {
        return None;
    }
    match m.x {
        x if (-50.0..450.0).contains(&x) => Some(100),
        x if (450.0..594.0).contains(&x) => Some(101),
        x if (594.0..1094.0).contains(&x) => Some(102),
        _ => None,
    }
}

fn in_subdistrict(c: Coord) -> bool {
    let m = frame().to_metres(c);
    m.x.abs() <= 3000.0 && m.y.abs() <= 3000.0
}

fn tree() -> GridTree {
    GridTree::new([
        (1, None, 1),
        (10, Some(1), 2),
        (11, Some(1), 2),
        (100, Some(10), 3),
        (101, Some(10), 3),
        (102, Some(11), 3),
    ])
}

fn no_noise(worker: i64, start_ms: Millis, minutes: i64) -> WalkSpec {
    WalkSpec {
        worker,
        start_ms,
        duration_ms: minutes * MIN,
        noise_m: 0.0,
        ..WalkSpec::default()
    }
}

/// Back and forth along the street y = 0 from x = 0 to x = 396 (33 steps of
/// 12 m: every turn is a fix), inside grid 100, 1.2 m/s, a fix every 10 s. On
/// y = 0 the walk's frame (tangent at its start) is the world's, so the turns fall
/// exactly on fixes.
fn back_and_forth(worker: i64, start_ms: Millis, minutes: i64) -> Vec<super::fix::Fix> {
    let path: Vec<Coord> = (0..20)
        .map(|i| deg(if i % 2 == 0 { 0.0 } else { 396.0 }, 0.0))
        .collect();
    walk_path(&path, &no_noise(worker, start_ms, minutes))
}

fn placed(fixes: &[super::fix::Fix]) -> Vec<PlacedFix> {
    fixes
        .iter()
        .map(|f| PlacedFix {
            time_ms: f.time_ms,
            pos: f.pos,
            grid: place(f.pos),
        })
        .collect()
}

fn near(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

// ------------------------------------------------------------------ fixes

fn input(i: i64) -> FixInput {
    let c = deg(i as f64 * 10.0, 0.0);
    FixInput {
        worker: 7,
        time_ms: MON_0900 + i * 10_000,
        lon: c.x,
        lat: c.y,
        datum: Datum::Wgs84,
        accuracy_m: Some(5.0),
        speed_mps: None,
    }
}

#[test]
fn a_request_without_fixes_or_with_too_many_is_refused_whole() {
    let e = check_fixes(&[]).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "fixes");
    let many: Vec<FixInput> = (0..=MAX_FIXES as i64).map(input).collect();
    assert_eq!(many.len(), 10_001);
    let e = check_fixes(&many).unwrap_err();
    assert_eq!(e[0].field, "fixes");
    assert!(e[0].reason.contains("10001"), "{}", e[0].reason);
    assert_eq!(check_fixes(&many[..10_000]).unwrap().len(), 10_000);
}

#[test]
fn bad_coordinates_are_named_by_their_place_and_refuse_the_request() {
    let mut v: Vec<FixInput> = (0..4).map(input).collect();
    v[1].lat = f64::NAN;
    v[2].lon = 200.0;
    v[3].accuracy_m = Some(-1.0);
    v[3].time_ms = 5;
    let e = check_fixes(&v).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "fixes[1].lat",
            "fixes[2].lon",
            "fixes[3].time_ms",
            "fixes[3].accuracy_m"
        ]
    );
    assert!(e[0].reason.contains("NaN"), "{}", e[0].reason);
}

#[test]
fn errors_are_listed_up_to_a_hundred_then_counted() {
    let v: Vec<FixInput> = (0..500)
        .map(|i| FixInput {
            lat: f64::INFINITY,
            ..input(i)
        })
        .collect();
    let e = check_fixes(&v).unwrap_err();
    assert_eq!(e.len(), 101);
    assert_eq!(e[100].field, "fixes");
    assert_eq!(e[100].reason, "400 more errors not listed");
}

#[test]
fn gcj02_fixes_are_converted_to_wgs84_with_the_datum_code() {
    let wgs = deg(100.0, 100.0);
    let g = wgs84_to_gcj02(wgs);
    let f = check_fixes(&[FixInput {
        lon: g.x,
        lat: g.y,
        datum: Datum::Gcj02,
        ..input(0)
    }])
    .unwrap();
    assert!(near(f[0].pos.x, wgs.x, 1e-8) && near(f[0].pos.y, wgs.y, 1e-8));
    // The offset is hundreds of metres: not converting would be visible.
    assert!(frame().distance_m(g, wgs) > 100.0);
}

#[test]
fn flag_codes_are_stable_and_worded_in_both_languages() {
    let codes: Vec<&str> = Flag::ALL.iter().map(|f| f.code()).collect();
    assert_eq!(
        codes,
        ["time_backwards", "inaccurate", "outside", "too_fast"]
    );
    for f in Flag::ALL {
        assert_eq!(Flag::parse(f.code()), Some(f));
        assert_eq!(serde_json::to_value(f).unwrap(), f.code());
        assert!(!f.text(Lang::Zh).is_empty() && f.text(Lang::Zh) != f.text(Lang::En));
    }
    assert_eq!(
        Flag::TooFast.text(Lang::En),
        "a jump from the previous counted fix faster than 50 km/h"
    );
    assert_eq!(Flag::parse("fast"), None);
}

#[test]
fn a_teleporting_fix_is_flagged_and_not_counted() {
    let walk = back_and_forth(7, MON_0900, 25);
    assert_eq!(walk.len(), 151);
    // 2 km north-east (in the subdistrict, in no grid), 5 s after fix 75.
    let mut fixes = walk[..76].to_vec();
    fixes.push(teleport(&walk[75], 1_500.0, 1_500.0, 5_000));
    fixes.extend_from_slice(&walk[76..]);
    let (flags, lasts) = flag_batch(&fixes, |_| None, |f| in_subdistrict(f.pos));
    assert_eq!(flags[76], Some(Flag::TooFast));
    assert_eq!(
        flags.iter().flatten().count(),
        1,
        "only the jump is flagged"
    );
    assert_eq!(lasts.len(), 1);
    assert_eq!(lasts[0].1.time_ms, walk[150].time_ms);

    let counted: Vec<_> = fixes
        .iter()
        .zip(&flags)
        .filter(|(_, f)| f.is_none())
        .map(|(x, _)| *x)
        .collect();
    let own = tree();
    let p = detect(
        7,
        OwnGrids::new(&[100], &own),
        PatrolRules::default(),
        &placed(&counted),
    );
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].fixes, 151);
    assert!(near(p[0].distance_m, 1800.0, 0.1), "{}", p[0].distance_m);

    // Counted, the jump would have added 2 × 2.1 km there and back (it is away
    // from the grid for 10 s only, so the stretch would hold).
    let all = detect(
        7,
        OwnGrids::new(&[100], &own),
        PatrolRules::default(),
        &placed(&fixes),
    );
    assert_eq!(all.len(), 1);
    assert!(all[0].distance_m > 6_000.0, "{}", all[0].distance_m);
}

#[test]
fn a_jump_just_under_50_kmh_is_counted_just_over_is_not() {
    let a = Last {
        time_ms: MON_0900,
        pos: deg(0.0, 0.0),
    };
    let fix = |metres: f64, secs: i64| super::fix::Fix {
        worker: 7,
        time_ms: MON_0900 + secs * 1000,
        pos: deg(metres, 0.0),
        accuracy_m: None,
        speed_mps: None,
    };
    // 50 km/h = 13.889 m/s: 138 m in 10 s passes, 140 m does not.
    assert_eq!(FixChecker::new(Some(a)).check(&fix(138.0, 10), true), None);
    assert_eq!(
        FixChecker::new(Some(a)).check(&fix(140.0, 10), true),
        Some(Flag::TooFast)
    );
    // The same time: up to one second's worth (13.9 m) passes.
    assert_eq!(FixChecker::new(Some(a)).check(&fix(10.0, 0), true), None);
    assert_eq!(
        FixChecker::new(Some(a)).check(&fix(20.0, 0), true),
        Some(Flag::TooFast)
    );
}

#[test]
fn time_running_backwards_is_flagged_also_against_an_earlier_batch() {
    let f = |secs: i64| super::fix::Fix {
        worker: 7,
        time_ms: MON_0900 + secs * 1000,
        pos: deg(secs as f64, 0.0),
        accuracy_m: Some(5.0),
        speed_mps: None,
    };
    // The earlier batch ended at 100 s.
    let previous = Last {
        time_ms: MON_0900 + 100_000,
        pos: deg(100.0, 0.0),
    };
    let batch = [f(90), f(110), f(105), f(120)];
    let (flags, lasts) = flag_batch(&batch, |_| Some(previous), |_| true);
    assert_eq!(
        flags,
        [
            Some(Flag::TimeBackwards),
            None,
            Some(Flag::TimeBackwards),
            None
        ]
    );
    assert_eq!(lasts[0].1.time_ms, MON_0900 + 120_000);
    // Without the earlier batch, the first is the reference.
    let (flags, _) = flag_batch(&batch, |_| None, |_| true);
    assert_eq!(flags, [None, None, Some(Flag::TimeBackwards), None]);
}

#[test]
fn inaccurate_and_outside_fixes_are_flagged_and_do_not_become_the_reference() {
    let mut c = FixChecker::new(None);
    let mut f = super::fix::Fix {
        worker: 7,
        time_ms: MON_0900,
        pos: deg(0.0, 0.0),
        accuracy_m: Some(100.0),
        speed_mps: None,
    };
    assert_eq!(c.check(&f, true), None, "100 m is still counted");
    f.time_ms += 10_000;
    f.accuracy_m = Some(100.5);
    assert_eq!(c.check(&f, true), Some(Flag::Inaccurate));
    f.accuracy_m = None;
    f.pos = deg(10_000.0, 0.0);
    assert_eq!(c.check(&f, false), Some(Flag::Outside));
    assert_eq!(c.last().unwrap().time_ms, MON_0900);
    // Each worker of a batch against their own previous fix.
    let other = super::fix::Fix { worker: 8, ..f };
    let (flags, lasts) = flag_batch(&[other], |_| None, |x| in_subdistrict(x.pos));
    assert_eq!(flags, [Some(Flag::Outside)]);
    assert!(lasts.is_empty());
}

#[test]
fn ingest_places_with_the_atlas_and_flags_outside_every_subdistrict() {
    use super::fix::place_and_flag;
    use crate::index::Atlas;
    use crate::lookup::synthetic::{Tessellation, city};
    let t = Tessellation {
        l1: (2, 2),
        l2: (2, 2),
        l3: (2, 2),
        ..Tessellation::default()
    };
    let (subdistricts, grids) = city(&t);
    let atlas = Atlas::build(subdistricts, grids, vec![], vec![]);
    let f = LocalFrame::new(t.centre());
    let at = |x: f64, secs: i64| super::fix::Fix {
        worker: 7,
        time_ms: MON_0900 + secs * 1000,
        pos: f.to_degrees(coord! { x: x, y: 10.0 }),
        accuracy_m: Some(5.0),
        speed_mps: None,
    };
    // In, 12 m on, 2 km west (the subdistrict is 960 m across), 12 m on again.
    let batch = [at(0.0, 0), at(12.0, 10), at(-2_000.0, 20), at(24.0, 30)];
    let (placed, lasts) = place_and_flag(&atlas, &batch, |_| None);
    let flags: Vec<Option<Flag>> = placed.iter().map(|p| p.flag).collect();
    assert_eq!(flags, [None, None, Some(Flag::Outside), None]);
    assert_eq!(placed[0].placement.grids().count(), 3);
    assert_eq!(lasts, [(7, Last::from(&batch[3]))]);
    let counted: Vec<PlacedFix> = placed.iter().filter_map(PlacedFix::counted).collect();
    assert_eq!(counted.len(), 3);
    let l3 = counted[0].grid.unwrap();
    assert_eq!(atlas.grid(l3).unwrap().grid.draft.level, 3);
    // The tree from the atlas knows the L3 grid's L2 and L1.
    let tree = GridTree::from_atlas(&atlas);
    let l2 = tree.parent(l3).unwrap();
    assert_eq!(tree.level(l2), 2);
    assert_eq!(tree.ancestor_at(l3, 1), placed[0].placement.path[0]);
    assert_eq!(OwnGrids::new(&[l2], &tree).resolve(l3), Some(l2));
}

// ---------------------------------------------------------------- patrols

#[test]
fn a_25_minute_walk_in_the_grid_is_one_patrol_with_hand_checked_figures() {
    let t = tree();
    let fixes = placed(&back_and_forth(7, MON_0900, 25));
    let p = detect(7, OwnGrids::new(&[100], &t), PatrolRules::default(), &fixes);
    assert_eq!(p.len(), 1);
    let p = p[0];
    assert_eq!((p.worker, p.grid), (7, 100));
    assert_eq!(p.start_ms, MON_0900);
    assert_eq!(p.end_ms, MON_0900 + 25 * MIN);
    assert_eq!(p.duration_ms, 25 * MIN);
    assert_eq!(p.fixes, 151);
    // 150 steps of 12 m.
    assert!(near(p.distance_m, 1800.0, 0.1), "{}", p.distance_m);
    // Not the worker's grid: nothing.
    assert!(detect(7, OwnGrids::new(&[101], &t), PatrolRules::default(), &fixes).is_empty());
}

#[test]
fn too_short_in_time_or_in_distance_is_no_patrol() {
    let t = tree();
    let own = || OwnGrids::new(&[100], &t);
    // 19 minutes, 1368 m.
    let short = placed(&back_and_forth(7, MON_0900, 19));
    assert!(detect(7, own(), PatrolRules::default(), &short).is_empty());
    // 25 minutes standing still-ish: 0.3 m/s, 450 m < 500 m.
    let slow = WalkSpec {
        speed_mps: 0.3,
        ..no_noise(7, MON_0900, 25)
    };
    let path = [deg(0.0, 0.0), deg(396.0, 0.0), deg(0.0, 0.0)];
    let slow = placed(&walk_path(&path, &slow));
    assert!(detect(7, own(), PatrolRules::default(), &slow).is_empty());
    let p = detect(
        7,
        own(),
        PatrolRules {
            min_distance_m: 400.0,
            ..PatrolRules::default()
        },
        &slow,
    );
    assert_eq!(p.len(), 1);
    assert!(near(p[0].distance_m, 450.0, 0.1), "{}", p[0].distance_m);
}

#[test]
fn a_walk_that_only_crosses_the_grid_for_two_minutes_is_no_patrol() {
    let t = tree();
    // East along y = 200 from x = 0 to x = 1000: 14 minutes, through 100, 101, 102.
    let spec = no_noise(8, MON_0900, 14);
    let fixes = placed(&walk_path(&[deg(0.0, 200.0), deg(1000.0, 200.0)], &spec));
    assert!(detect(8, OwnGrids::new(&[101], &t), PatrolRules::default(), &fixes).is_empty());
    // With no thresholds the stretch shows: fixes at x = 456 … 588 (k = 38 … 49),
    // 12 fixes, 110 s, 132 m.
    let any = PatrolRules {
        min_duration_ms: 0,
        min_distance_m: 0.0,
        ..PatrolRules::default()
    };
    let p = detect(8, OwnGrids::new(&[101], &t), any, &fixes);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].fixes, 12);
    assert_eq!(p[0].duration_ms, 110_000);
    assert!(near(p[0].distance_m, 132.0, 0.05), "{}", p[0].distance_m);
}

#[test]
fn a_gap_over_five_minutes_splits_a_stretch() {
    let t = tree();
    let own = || OwnGrids::new(&[100], &t);
    // 15 min (1080 m, ends at x = 288), a pause, 15 min again from x = 0.
    let first = back_and_forth(7, MON_0900, 15);
    let with_gap = |gap: Millis| {
        let mut v = placed(&first);
        v.extend(placed(&back_and_forth(7, MON_0900 + 15 * MIN + gap, 15)));
        v
    };
    assert!(detect(7, own(), PatrolRules::default(), &with_gap(6 * MIN)).is_empty());
    // Two 15-minute stretches when 10 minutes are enough.
    let ten = PatrolRules {
        min_duration_ms: 10 * MIN,
        ..PatrolRules::default()
    };
    let p = detect(7, own(), ten, &with_gap(6 * MIN));
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|p| p.duration_ms == 15 * MIN && p.fixes == 91));
    assert!(p.iter().all(|p| near(p.distance_m, 1080.0, 0.1)));
    // A 4-minute pause keeps one stretch: 15 + 4 + 15 min, 1080 + 288 + 1080 m.
    let p = detect(7, own(), PatrolRules::default(), &with_gap(4 * MIN));
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].duration_ms, 34 * MIN);
    assert_eq!(p[0].fixes, 182);
    assert!(near(p[0].distance_m, 2448.0, 0.2), "{}", p[0].distance_m);
}

/// 200 fixes 12 m apart every 10 s, all in `grid` except those `away` says.
fn synthetic(grid: GridId, away: impl Fn(usize) -> Option<Option<GridId>>) -> Vec<PlacedFix> {
    (0..200)
        .map(|i| PlacedFix {
            time_ms: MON_0900 + i as Millis * 10_000,
            pos: deg(i as f64 * 12.0, 0.0),
            grid: away(i).unwrap_or(Some(grid)),
        })
        .collect()
}

#[test]
fn a_boundary_jitter_is_tolerated_a_long_excursion_is_not() {
    let t = tree();
    let own = || OwnGrids::new(&[100, 101], &t);
    // Every 20th fix across the line (in no grid): one stretch of 199 steps.
    let jitter = synthetic(100, |i| (i % 20 == 10).then_some(None));
    let p = detect(7, own(), PatrolRules::default(), &jitter);
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].duration_ms, 1_990_000);
    assert_eq!(p[0].fixes, 190);
    assert!(near(p[0].distance_m, 2388.0, 0.2), "{}", p[0].distance_m);
    // Without tolerance it falls apart into 20-fix pieces: no patrol.
    let strict = PatrolRules {
        max_excursion_ms: 0,
        ..PatrolRules::default()
    };
    assert!(detect(7, own(), strict, &jitter).is_empty());

    // Fixes 100–119 in grid 101 (another own grid) for 200 s: the stretch in 100
    // ends at fix 99, the one in 101 begins at fix 100 and ends at fix 119, and a
    // new one in 100 begins at fix 120.
    let visit = synthetic(100, |i| (100..120).contains(&i).then_some(Some(101)));
    let any = PatrolRules {
        min_duration_ms: 0,
        min_distance_m: 0.0,
        ..PatrolRules::default()
    };
    let p = detect(7, own(), any, &visit);
    let summary: Vec<(GridId, Millis, u32)> = p
        .iter()
        .map(|p| (p.grid, (p.start_ms - MON_0900) / 10_000, p.fixes))
        .collect();
    assert_eq!(summary, [(100, 0, 100), (101, 100, 20), (100, 120, 80)]);
}

#[test]
fn an_l2_worker_patrols_through_the_l3_grids_below() {
    let t = tree();
    let own = OwnGrids::new(&[10], &t);
    assert_eq!(own.resolve(100), Some(10));
    assert_eq!(own.resolve(101), Some(10));
    assert_eq!(own.resolve(102), None);
    // The nearest own grid wins.
    let both = OwnGrids::new(&[10, 100], &t);
    assert_eq!(both.resolve(100), Some(100));
    assert_eq!(both.resolve(101), Some(10));
    // Walking 100 then 101 (both in L2 10) is one stretch for grid 10.
    let fixes = synthetic(100, |i| (i >= 100).then_some(Some(101)));
    let p = detect(9, OwnGrids::new(&[10], &t), PatrolRules::default(), &fixes);
    assert_eq!(p.len(), 1);
    assert_eq!((p[0].grid, p[0].fixes), (10, 200));
}

#[test]
fn a_street_walk_with_noise_is_a_patrol_and_the_same_seed_gives_the_same_walk() {
    // Streets every 100 m from x, y = -300 to 900 (a lattice), grid 100's square.
    let mut roads = Vec::new();
    for k in -3..=9 {
        let v = f64::from(k) * 100.0;
        roads.push(LineString::from(
            (-3..=9)
                .map(|j| deg(v, f64::from(j) * 100.0))
                .collect::<Vec<_>>(),
        ));
        roads.push(LineString::from(
            (-3..=9)
                .map(|j| deg(f64::from(j) * 100.0, v))
                .collect::<Vec<_>>(),
        ));
    }
    let net = Network::new(&roads);
    assert_eq!(net.len(), 13 * 13);
    let square = Polygon::new(
        LineString::from(vec![
            deg(-50.0, -50.0),
            deg(450.0, -50.0),
            deg(450.0, 450.0),
            deg(-50.0, 450.0),
            deg(-50.0, -50.0),
        ]),
        vec![],
    );
    let spec = WalkSpec {
        worker: 7,
        start_ms: MON_0900,
        duration_ms: 30 * MIN,
        seed: 42,
        ..WalkSpec::default()
    };
    let walk = walk_streets(&net, &square, &spec);
    assert_eq!(walk, walk_streets(&net, &square, &spec));
    assert_ne!(
        walk,
        walk_streets(&net, &square, &WalkSpec { seed: 43, ..spec })
    );
    assert_eq!(walk.len(), 181);
    // It stays on the grid's streets (the lattice 0 … 400), within the noise.
    assert!(walk.iter().all(|f| place(f.pos) == Some(100)));
    let t = tree();
    let p = detect(
        7,
        OwnGrids::new(&[100], &t),
        PatrolRules::default(),
        &placed(&walk),
    );
    assert_eq!(p.len(), 1);
    assert_eq!(p[0].duration_ms, 30 * MIN);
    // 2160 m walked; noise of 3 m per fix adds length, corners cut some.
    assert!(
        (2100.0..2600.0).contains(&p[0].distance_m),
        "{}",
        p[0].distance_m
    );
}

/// The demo's streets and grids (Helsinki's OSM streets, `gis-data/demo`): grid
/// ids by file order, parents by code prefix.
fn demo() -> (Network, Vec<(GridId, String, Polygon)>, GridTree) {
    let dir = crate::demo::default_dir();
    let read = |f: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(dir.join(f)).unwrap()).unwrap()
    };
    let coords = |v: &serde_json::Value| -> Vec<Coord> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| coord! { x: p[0].as_f64().unwrap(), y: p[1].as_f64().unwrap() })
            .collect()
    };
    let roads: Vec<LineString> = read("roads.geojson")["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["geometry"]["type"] == "LineString")
        .map(|f| LineString::from(coords(&f["geometry"]["coordinates"])))
        .collect();
    let grids: Vec<(GridId, String, u8, Polygon)> = read("grids.geojson")["features"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let ring = coords(&f["geometry"]["coordinates"][0]);
            (
                i as GridId + 1,
                f["properties"]["code"].as_str().unwrap().to_owned(),
                f["properties"]["level"].as_u64().unwrap() as u8,
                Polygon::new(LineString::from(ring), vec![]),
            )
        })
        .collect();
    let id_of = |code: &str| grids.iter().find(|g| g.1 == code).map(|g| g.0);
    let tree = GridTree::new(grids.iter().map(|(id, code, level, _)| {
        let parent = (*level > 1)
            .then(|| id_of(&code[..code.len() - 3]))
            .flatten();
        (*id, parent, *level)
    }));
    let l3 = grids
        .into_iter()
        .filter(|g| g.2 == 3)
        .map(|(id, code, _, p)| (id, code, p))
        .collect();
    (Network::new(&roads), l3, tree)
}

#[test]
fn walking_the_demos_real_streets_twice_a_week_passes_once_fails() {
    use geo::{Intersects, Point};
    let (net, l3, tree) = demo();
    let place = |c: Coord| {
        l3.iter()
            .find(|(_, _, p)| p.intersects(&Point::from(c)))
            .map(|g| g.0)
    };
    // The L3 grid with the most street vertices.
    let (grid, code, area) = l3
        .iter()
        .max_by_key(|(_, _, p)| {
            net.nodes()
                .iter()
                .filter(|&&c| p.intersects(&Point::from(c)))
                .count()
        })
        .unwrap();
    let walk = |start_ms: Millis, seed: u64| {
        let spec = WalkSpec {
            worker: 7,
            start_ms,
            duration_ms: 30 * MIN,
            seed,
            ..WalkSpec::default()
        };
        walk_streets(&net, area, &spec)
            .iter()
            .map(|f| PlacedFix {
                time_ms: f.time_ms,
                pos: f.pos,
                grid: place(f.pos),
            })
            .collect::<Vec<_>>()
    };
    let mut fixes = Vec::new();
    for (k, start) in [MON_0900, MON_0900 + 3 * DAY, MON_0900 + 8 * DAY]
        .into_iter()
        .enumerate()
    {
        let w = walk(start, k as u64 + 1);
        assert_eq!(w.len(), 181, "{code}");
        let inside = w.iter().filter(|f| f.grid == Some(*grid)).count();
        assert!(inside > 170, "{code}: {inside} of 181 fixes inside");
        fixes.extend(w);
    }
    let tracks = [WorkerTrack {
        worker: 7,
        grids: std::slice::from_ref(grid),
        fixes: &fixes,
    }];
    let w49 = Week::of(MON_0900);
    let a = audit(
        &tracks,
        &[*grid],
        &tree,
        &[w49, w49.next()],
        AuditRules::default(),
    );
    assert_eq!(a.patrols.len(), 3, "{:?}", a.patrols);
    assert!(!a.grid(*grid, w49).unwrap().short);
    assert!(a.grid(*grid, w49.next()).unwrap().short);
    let l2 = a
        .parents
        .iter()
        .find(|p| p.level == 2 && p.week == w49.next())
        .unwrap();
    assert_eq!(l2.short_grids, [*grid]);
}

// ------------------------------------------------------------------ audit

#[test]
fn weeks_are_iso_weeks_in_china_time() {
    // Sunday 2026-12-06 23:30 +08:00 and Monday 2026-12-07 00:10 +08:00 are both
    // Sunday in UTC.
    let sunday_2330 = 1_796_571_000_000;
    let monday_0010 = 1_796_573_400_000;
    assert_eq!(
        Week::of(sunday_2330),
        Week {
            year: 2026,
            week: 49
        }
    );
    assert_eq!(
        Week::of(monday_0010),
        Week {
            year: 2026,
            week: 50
        }
    );
    assert_eq!(Week::of(MON_0900).to_string(), "2026-W49");
    let w50 = Week::new(2026, 50).unwrap();
    assert_eq!(w50.start_ms(), 1_796_572_800_000); // 2026-12-06T16:00:00Z
    assert_eq!(Week::of(w50.start_ms() - 1).week, 49);
    assert_eq!(w50.end_ms() - w50.start_ms(), 7 * DAY);
    // 2026 is a long year; its week 53 ends on Sunday 2027-01-03.
    let w53 = Week::new(2026, 53).unwrap();
    assert_eq!(
        w53.next(),
        Week {
            year: 2027,
            week: 1
        }
    );
    assert_eq!(Week::new(2027, 53), None);
    assert_eq!("2026-W53".parse::<Week>(), Ok(w53));
    assert!("2026-53".parse::<Week>().is_err());
    assert_eq!(serde_json::to_value(w53).unwrap(), "2026-W53");
    assert_eq!(
        Week::range(MON_0900, MON_0900 + 8 * DAY),
        [Week::new(2026, 49).unwrap(), w50]
    );
}

#[test]
fn twice_a_week_passes_once_fails_rolled_up_per_worker_and_parent() {
    let t = tree();
    let w49 = Week::of(MON_0900);
    let w50 = w49.next();
    // Worker 7 (grid 100): Monday and Thursday of W49, only Tuesday of W50.
    let mut f7 = Vec::new();
    for start in [MON_0900, MON_0900 + 3 * DAY + 5 * HOUR, MON_0900 + 8 * DAY] {
        f7.extend(placed(&back_and_forth(7, start, 25)));
    }
    // Worker 8 (grids 101 and 102): once in 101 in W49, Tuesday, 30 minutes in
    // rows of 12 fixes 12 m apart.
    let f8: Vec<PlacedFix> = (0..181)
        .map(|i| PlacedFix {
            time_ms: MON_0900 + DAY + i * 10_000,
            pos: deg(450.0 + (i % 12) as f64 * 12.0, (i / 12) as f64 * 12.0),
            grid: Some(101),
        })
        .collect();
    let tracks = [
        WorkerTrack {
            worker: 7,
            grids: &[100],
            fixes: &f7,
        },
        WorkerTrack {
            worker: 8,
            grids: &[101, 102],
            fixes: &f8,
        },
    ];
    let a = audit(
        &tracks,
        &[100, 101, 102],
        &t,
        &[w49, w50],
        AuditRules::default(),
    );
    assert_eq!(a.patrols.len(), 4);

    let g = a.grid(100, w49).unwrap();
    assert_eq!((g.patrols, g.short), (2, false));
    assert_eq!(g.patrolled_by, [7]);
    assert_eq!(g.workers, [7]);
    assert_eq!(g.duration_ms, 50 * MIN);
    assert!(near(g.distance_m, 3600.0, 0.2), "{}", g.distance_m);
    let g = a.grid(100, w50).unwrap();
    assert_eq!((g.patrols, g.short), (1, true));
    let g = a.grid(101, w49).unwrap();
    assert_eq!((g.patrols, g.short, g.duration_ms), (1, true, 30 * MIN));
    assert_eq!(a.grid(102, w49).unwrap().patrols, 0);
    let short: Vec<(GridId, Week)> = a.short_grids().map(|g| (g.grid, g.week)).collect();
    assert_eq!(
        short,
        [(101, w49), (102, w49), (100, w50), (101, w50), (102, w50)]
    );

    let w = a.worker(7, w49).unwrap();
    assert_eq!((w.patrols, w.short), (2, 0));
    let w = a.worker(8, w49).unwrap();
    assert_eq!((w.patrols, w.short), (1, 2));
    assert_eq!(w.grids[0].grid, 101);
    assert_eq!(w.grids[0].patrols, 1);

    let parents: Vec<(GridId, u8, u32, Vec<GridId>)> = a
        .parents
        .iter()
        .filter(|p| p.week == w49)
        .map(|p| (p.grid, p.level, p.grids, p.short_grids.clone()))
        .collect();
    assert_eq!(
        parents,
        [
            (10, 2, 2, vec![101]),
            (11, 2, 1, vec![102]),
            (1, 1, 3, vec![101, 102]),
        ]
    );
    // One week asked: the other's patrols are left out.
    let only = audit(&tracks, &[100], &t, &[w50], AuditRules::default());
    assert_eq!(only.patrols.len(), 1);
    assert_eq!(only.grids.len(), 1);
}

#[test]
fn a_patrol_from_sunday_night_to_monday_counts_in_the_week_it_began() {
    let t = tree();
    let sunday_2330 = 1_796_571_000_000;
    let fixes = placed(&back_and_forth(7, sunday_2330, 45));
    let tracks = [WorkerTrack {
        worker: 7,
        grids: &[100],
        fixes: &fixes,
    }];
    let w49 = Week::of(sunday_2330);
    let a = audit(
        &tracks,
        &[100],
        &t,
        &[w49, w49.next()],
        AuditRules::default(),
    );
    assert_eq!(a.patrols.len(), 1);
    assert_eq!(a.grid(100, w49).unwrap().patrols, 1);
    assert_eq!(a.grid(100, w49.next()).unwrap().patrols, 0);
}

// ------------------------------------------------------------ track files

fn points() -> Vec<TrackPoint> {
    back_and_forth(7, MON_0900 + 123, 3)
        .iter()
        .enumerate()
        .map(|(i, f)| TrackPoint {
            time_ms: f.time_ms,
            lon: f.pos.x,
            lat: f.pos.y,
            ele: (i % 2 == 0).then_some(4.5 + i as f64),
        })
        .collect()
}

#[test]
fn gpx_round_trips_exactly() {
    let p = points();
    let text = to_gpx(&p, "巡查 <1> & more");
    assert!(text.contains("<name>巡查 &lt;1&gt; &amp; more</name>"));
    assert_eq!(parse_gpx(&text).unwrap(), p);
    assert_eq!(track_file::parse(&text).unwrap(), p);
    let fixes = track_file::to_fixes(&p, 7, Datum::Wgs84);
    assert_eq!(check_fixes(&fixes).unwrap().len(), p.len());
}

#[test]
fn gpx_from_other_writers_is_read() {
    let text = "\u{feff}<?xml version='1.0'?>\n<!-- from a phone -->\n\
        <gpx:gpx xmlns:gpx='http://www.topografix.com/GPX/1/0' version='1.0'>\n\
        <gpx:wpt lat='1' lon='2'><gpx:time>2026-11-30T01:00:00Z</gpx:time></gpx:wpt>\n\
        <gpx:trk><gpx:trkseg>\n\
        <gpx:trkpt lat = \"31.3\" lon=\"120.62\"><gpx:ele> 12.5 </gpx:ele>\
        <gpx:time>2026-11-30T09:00:00+08:00</gpx:time><gpx:extensions><gpx:time>x</gpx:time></gpx:extensions></gpx:trkpt>\n\
        <gpx:trkpt lat='31.3001' lon='120.62'><gpx:time><![CDATA[2026-11-30T01:00:10.5]]></gpx:time></gpx:trkpt>\n\
        <gpx:trkpt lat='31.3002' lon='120.62'/>\n\
        </gpx:trkseg></gpx:trk></gpx:gpx>";
    let e = parse_gpx(text).unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "trkpt[2]");
    assert_eq!(
        e[0].reason,
        "line 8: no <time>: every track point needs one"
    );
    let ok = text.replace("<gpx:trkpt lat='31.3002' lon='120.62'/>", "");
    let p = parse_gpx(&ok).unwrap();
    assert_eq!(p.len(), 2);
    assert_eq!(p[0].time_ms, MON_0900);
    assert_eq!(p[0].ele, Some(12.5));
    assert_eq!(p[1].time_ms, MON_0900 + 10_500, "no zone: UTC");
    assert_eq!((p[1].lon, p[1].lat, p[1].ele), (120.62, 31.3001, None));
}

#[test]
fn gpx_errors_name_the_place() {
    let err = |s: &str| {
        let e = parse_gpx(s).unwrap_err();
        format!("{}: {}", e[0].field, e[0].reason)
    };
    assert_eq!(
        err("<gpx><trk>\n<trkseg></trk></gpx>"),
        "file: not XML: line 2, column 9: </trk> closes <trkseg>"
    );
    assert_eq!(
        err("<gpx>"),
        "file: not XML: line 1, column 6: <gpx> is not closed"
    );
    assert_eq!(
        err("PK\u{3}\u{4}"),
        "file: not XML: line 1, column 1: text outside the root element"
    );
    assert!(err("<!DOCTYPE gpx [<!ENTITY a 'b'>]><gpx/>").contains("DOCTYPE"));
    assert_eq!(
        err("<kml></kml>"),
        "file: not a GPX file: the root element is <kml>, not <gpx>"
    );
    assert_eq!(
        err("<gpx><trk><trkseg></trkseg></trk></gpx>"),
        "file: no track points: a GPX track has trk/trkseg/trkpt elements"
    );
    let bad = "<gpx><trk><trkseg>\n\
        <trkpt lat='31.3' lon='120.6'><time>2026-11-30T01:00:00Z</time></trkpt>\n\
        <trkpt lat='31.3' lon='120.6'><time>yesterday</time></trkpt>\n\
        <trkpt lat='north' lon='120.6'><time>2026-11-30T01:00:00Z</time></trkpt>\n\
        </trkseg></trk></gpx>";
    let e = parse_gpx(bad).unwrap_err();
    let e: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(
        e,
        [
            "trkpt[1]: line 3: <time>yesterday</time> is not an ISO 8601 time",
            "trkpt[2]: line 4: lat=\"north\" is not a number",
        ]
    );
    assert_eq!(
        track_file::parse("hello").unwrap_err()[0].reason,
        "neither GPX (XML) nor GeoJSON: a track file begins with < or {"
    );
    assert!(err("<gpx a='1 &bogus; 2'/>").contains("unknown entity &bogus;"));
}

#[test]
fn geojson_round_trips_exactly() {
    let mut p = points();
    let text = to_geojson(&p).to_string();
    // Elevations only when every point has one.
    let back = parse_geojson(&text).unwrap();
    for q in &mut p {
        q.ele = None;
    }
    assert_eq!(back, p);
    for q in &mut p {
        q.ele = Some(3.25);
    }
    assert_eq!(parse_geojson(&to_geojson(&p).to_string()).unwrap(), p);
    assert_eq!(
        parse_geojson(&to_geojson(&p[..1]).to_string()).unwrap(),
        p[..1]
    );
}

#[test]
fn geojson_points_and_multilines_are_read() {
    let fc = serde_json::json!({
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"time": "2026-11-30T01:00:00Z"},
             "geometry": {"type": "Point", "coordinates": [120.62, 31.3]}},
            {"type": "Feature", "properties": {"time": MON_0900 + 10_000},
             "geometry": {"type": "Point", "coordinates": [120.62, 31.3001, 7.0]}},
            {"type": "Feature",
             "properties": {"coordTimes": [["2026-11-30T01:00:20Z"], ["2026-11-30T01:00:30Z", "2026-11-30T01:00:40Z"]]},
             "geometry": {"type": "MultiLineString", "coordinates": [[[1.0, 2.0]], [[3.0, 4.0], [5.0, 6.0]]]}},
            {"type": "Feature",
             "properties": {"times": ["2026-11-30T01:00:50Z", "2026-11-30T01:01:00Z"]},
             "geometry": {"type": "MultiLineString", "coordinates": [[[7.0, 8.0]], [[9.0, 10.0]]]}},
        ]
    });
    let p = parse_geojson(&fc.to_string()).unwrap();
    let t: Vec<Millis> = p.iter().map(|p| (p.time_ms - MON_0900) / 1000).collect();
    assert_eq!(t, [0, 10, 20, 30, 40, 50, 60]);
    let x: Vec<f64> = p.iter().map(|p| p.lon).collect();
    assert_eq!(x, [120.62, 120.62, 1.0, 3.0, 5.0, 7.0, 9.0]);
    assert_eq!(p[1].ele, Some(7.0));
}

#[test]
fn geojson_errors_name_the_place() {
    let err = |v: serde_json::Value| -> Vec<String> {
        parse_geojson(&v.to_string())
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let line = |times: serde_json::Value| {
        serde_json::json!({"type": "Feature", "properties": {"coordTimes": times},
            "geometry": {"type": "LineString", "coordinates": [[1.0, 2.0], [3.0, "4"], [5.0, 6.0]]}})
    };
    assert_eq!(
        err(line(serde_json::json!(["2026-11-30T01:00:00Z", "x"]))),
        ["properties.coordTimes: an array of 3 times, one per position"]
    );
    assert_eq!(
        err(line(serde_json::json!([
            "2026-11-30T01:00:00Z",
            "2026-11-30T01:00:10Z",
            "soon"
        ]))),
        [
            "geometry.coordinates[1]: a position [lon, lat] or [lon, lat, ele] of numbers",
            "properties.coordTimes[2]: \"soon\" is not an ISO 8601 time",
        ]
    );
    let fc = serde_json::json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [1.0, 2.0]}},
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": []}},
    ]});
    assert_eq!(
        err(fc),
        [
            "features[0].properties.time: no time for this position",
            "features[1].geometry.type: \"Polygon\": a track is a LineString, a MultiLineString or Points",
        ]
    );
    assert_eq!(
        err(serde_json::json!({"type": "FeatureCollection", "features": []})),
        ["features: no track points"]
    );
    assert_eq!(
        err(serde_json::json!({"type": "LineString", "coordinates": []})),
        [
            "type: LineString: a track is a Feature or a FeatureCollection (with times in properties)"
        ]
    );
    let e = parse_geojson("{\"type\": ").unwrap_err();
    assert!(
        e[0].reason.starts_with("not JSON: line 1, column 9"),
        "{}",
        e[0].reason
    );
}

// ----------------------------------------------------------------- timing

/// The issue's week: 1,000 workers with 3 L3 grids each (3,000 grids), a fix every
/// 10 s over 8 working hours for 5 days (14.4 M fixes). Prints how long the audit
/// takes; never asserts it. `cargo test -p gridd --release --lib patrols -- --ignored --nocapture`
#[test]
#[ignore = "a timing figure, printed"]
fn timing_of_a_synthetic_week() {
    let workers: usize = std::env::var("PATROL_WORKERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let cols = 60usize;
    let cell = 500.0;
    let mut nodes = vec![(1, None, 1)];
    for l2 in 0..workers {
        nodes.push((10_000 + l2 as GridId, Some(1), 2));
        for k in 0..3 {
            nodes.push((
                100_000 + (3 * l2 + k) as GridId,
                Some(10_000 + l2 as GridId),
                3,
            ));
        }
    }
    let t = tree_of(nodes);
    let grid_of = |g: usize| 100_000 + g as GridId;
    let origin = |g: usize| ((g % cols) as f64 * cell, (g / cols) as f64 * cell);
    let made = std::time::Instant::now();
    let ids: Vec<usize> = (0..workers).collect();
    let fixes: Vec<Vec<PlacedFix>> = crate::coverage::par::map(&ids, |&w| {
        let mut v = Vec::with_capacity(5 * 8 * 360);
        for day in 0..5 {
            let day_start = MON_0900 + day * DAY;
            for i in 0..(8 * 360) {
                // 40 minutes per grid in turn; a 12 m step every 10 s around a
                // 400 m square inside the cell.
                let g = 3 * w + (i / 240) % 3;
                let (ox, oy) = origin(g);
                let s = (i % 240) as f64 * 12.0 % 1600.0;
                let (dx, dy) = match (s / 400.0) as u32 {
                    0 => (s, 0.0),
                    1 => (400.0, s - 400.0),
                    2 => (1200.0 - s, 400.0),
                    _ => (0.0, 1600.0 - s),
                };
                v.push(PlacedFix {
                    time_ms: day_start + i as Millis * 10_000,
                    pos: deg(ox + 50.0 + dx, oy + 50.0 + dy),
                    grid: Some(grid_of(g)),
                });
            }
        }
        v
    });
    let own: Vec<[GridId; 3]> = (0..workers)
        .map(|w| [grid_of(3 * w), grid_of(3 * w + 1), grid_of(3 * w + 2)])
        .collect();
    let tracks: Vec<WorkerTrack<'_>> = (0..workers)
        .map(|w| WorkerTrack {
            worker: w as i64 + 1,
            grids: &own[w],
            fixes: &fixes[w],
        })
        .collect();
    let grids: Vec<GridId> = (0..3 * workers).map(grid_of).collect();
    let n: usize = fixes.iter().map(Vec::len).sum();
    eprintln!("generated {n} fixes in {:?}", made.elapsed());
    let start = std::time::Instant::now();
    let a = audit(
        &tracks,
        &grids,
        &t,
        &[Week::of(MON_0900)],
        AuditRules::default(),
    );
    let took = start.elapsed();
    eprintln!(
        "audit of {workers} workers, {} grids, {n} fixes on {} threads: {took:?} \
         ({:.1} M fixes/s); {} patrols, {} short grid-weeks",
        grids.len(),
        crate::coverage::par::threads(),
        n as f64 / took.as_secs_f64() / 1e6,
        a.patrols.len(),
        a.short_grids().count()
    );
}

fn tree_of(nodes: Vec<(GridId, Option<GridId>, u8)>) -> GridTree {
    GridTree::new(nodes)
}

#[test]
fn track_files_never_panic_on_mutants() {
    use crate::fuzzing::{Rng, mutate};
    let p = points();
    let seeds = [
        to_gpx(&p[..4], "t").into_bytes(),
        to_geojson(&p[..4]).to_string().into_bytes(),
        b"<gpx><trk><trkseg><trkpt lat='1' lon='2'><time>2026-11-30T01:00:00Z</time></trkpt>\
          <!-- c --><![CDATA[x]]>&amp;&#x41;</trkseg></trk></gpx>"
            .to_vec(),
    ];
    let mut rng = Rng::new(13);
    let mut parsed = 0;
    for k in 0..6_000 {
        let m = mutate(&mut rng, &seeds[k % seeds.len()], &seeds);
        let text = String::from_utf8_lossy(&m);
        match track_file::parse(&text) {
            Ok(points) => {
                assert!(!points.is_empty());
                parsed += 1;
            }
            Err(e) => assert!(!e.is_empty() && e.len() <= 100),
        }
    }
    // Some mutants stay readable (a changed digit, say).
    assert!(parsed > 100, "{parsed}");
}

#[test]
fn the_metric_agrees_with_the_frame_tangent_at_the_step() {
    use super::Metric;
    for lat in [22.5, 31.3, 39.9, 60.17] {
        let mut m = Metric::new(coord! { x: 120.0, y: lat });
        // Steps of about 1 km, 0.04° north of the reference (not re-centred) and
        // 0.06° north (re-centred).
        for dlat in [0.0, 0.04, 0.06] {
            let a = coord! { x: 120.0, y: lat + dlat };
            let b = coord! { x: 120.008, y: lat + dlat + 0.006 };
            let mid = coord! { x: 120.004, y: lat + dlat + 0.003 };
            let exact = LocalFrame::new(mid).distance_m(a, b);
            let got = m.distance(a, b);
            let tol = if lat > 50.0 { 2e-3 } else { 6e-4 };
            assert!(
                (got / exact - 1.0).abs() < tol,
                "{lat} {dlat}: {got} vs {exact}"
            );
        }
    }
}

#[test]
fn the_tree_walks_up_and_survives_a_cycle() {
    let t = tree();
    assert_eq!(t.up(100).collect::<Vec<_>>(), [100, 10, 1]);
    assert_eq!(t.ancestor_at(102, 2), Some(11));
    assert_eq!(t.ancestor_at(102, 4), None);
    assert_eq!(t.up(999).collect::<Vec<_>>(), [999], "unknown: itself");
    let broken = GridTree::new([(1, Some(2), 1), (2, Some(1), 2)]);
    assert_eq!(broken.up(1).count(), 9);
    assert_eq!(OwnGrids::new(&[3], &broken).resolve(1), None);
}
