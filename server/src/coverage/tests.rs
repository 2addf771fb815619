//! Coverages with known defects, built in metres on the synthetic lattice and
//! rounded to 7 decimals like stored data.

use geo::{Area, Buffer, Coord, Geometry, MapCoords, MultiPolygon, polygon};

use super::synthetic::{self, Spec};
use super::*;
use crate::domain::grid::Grid;
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;

fn run(s: &Subdistrict, grids: &[Grid], buildings: &[Building]) -> Report {
    let input = Input {
        subdistrict: s,
        grids: grids.iter().collect(),
        buildings: buildings.iter().collect(),
    };
    audit(&input, &Config::default())
}

/// A plain lattice: 1.2 km × 1 km, 4 L1 of 600 m × 500 m, 24 L2 of 300 m ×
/// 166.7 m (or 200 m × 250 m), 96 L3.
fn lattice() -> (Subdistrict, Vec<Grid>, Vec<Building>, LocalFrame) {
    let spec = Spec {
        jitter: 0.0,
        ..Spec::small()
    };
    let (s, g, b) = synthetic::hierarchy(&spec);
    (s, g, b, LocalFrame::new(spec.centre))
}

fn metres(f: &LocalFrame, g: &Geometry) -> MultiPolygon {
    f.project(g)
}

fn degrees(f: &LocalFrame, mp: &MultiPolygon) -> Geometry {
    let mp = f.unproject(mp);
    if mp.0.len() == 1 {
        Geometry::Polygon(mp.0[0].clone())
    } else {
        Geometry::MultiPolygon(mp)
    }
}

fn bounds(f: &LocalFrame, g: &Grid) -> (Coord, Coord) {
    use geo::BoundingRect;
    let r = metres(f, &g.draft.geometry).bounding_rect().expect("bbox");
    (r.min(), r.max())
}

/// An L3 grid away from the subdistrict's edge whose east side is shared with a
/// sibling.
fn interior_l3(f: &LocalFrame, grids: &[Grid]) -> usize {
    let (sw, ne) = bounds(f, &grids[0]); // an L1, for scale only
    let _ = (sw, ne);
    grids
        .iter()
        .position(|g| {
            if g.draft.level != 3 {
                return false;
            }
            let (a, b) = bounds(f, g);
            let east_sibling = grids.iter().any(|o| {
                o.draft.level == 3 && o.draft.parent_id == g.draft.parent_id && o.id != g.id && {
                    let (c, _) = bounds(f, o);
                    (c.x - b.x).abs() < 0.05 && (c.y - a.y).abs() < 0.05
                }
            });
            a.x > -550.0 && b.x < 550.0 && a.y > -450.0 && b.y < 450.0 && east_sibling
        })
        .expect("an interior L3 grid with an east sibling")
}

fn defects(r: &Report, kind: ProblemKind) -> Vec<&Problem> {
    r.problems()
        .filter(|p| p.kind == kind && p.severity == Severity::Defect)
        .collect()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() <= want.abs() * 0.01
}

#[test]
fn a_clean_lattice_is_clean() {
    let (s, g, b, _) = lattice();
    let r = run(&s, &g, &b);
    assert!(
        r.is_clean(),
        "{:#?}",
        r.problems().take(3).collect::<Vec<_>>()
    );
    assert_eq!(r.levels.len(), 3);
    assert_eq!(r.levels[2].grids, 96);
    for l in &r.levels {
        assert!(
            (l.coverage_ratio - 1.0).abs() < 1e-6,
            "level {} covers {}",
            l.level,
            l.coverage_ratio
        );
        assert!(close(l.target_area_m2, 1.2e6), "{}", l.target_area_m2);
    }
}

#[test]
fn rounded_warped_coverage_reports_no_defect_but_counts_noise() {
    // Jittered lattice, T-junctions between neighbours, every vertex rounded to 7
    // decimals: rounding slivers everywhere, none a defect.
    let (s, g, b) = synthetic::hierarchy(&Spec::small());
    let r = run(&s, &g, &b);
    assert!(
        r.is_clean(),
        "{:#?}",
        r.problems().take(3).collect::<Vec<_>>()
    );
    let noise: usize = r
        .levels
        .iter()
        .map(|l| l.noise.gaps + l.noise.overlaps + l.noise.outside)
        .sum();
    assert!(
        noise > 0,
        "rounding should leave slivers: {:?}",
        r.levels.iter().map(|l| &l.noise).collect::<Vec<_>>()
    );
}

#[test]
fn a_removed_grid_is_a_gap_of_its_area() {
    let (s, mut g, b, f) = lattice();
    let i = interior_l3(&f, &g);
    let removed = g.remove(i);
    let want = metres(&f, &removed.draft.geometry).unsigned_area();
    let r = run(&s, &g, &b);
    let gaps = defects(&r, ProblemKind::Gap);
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert_eq!(gaps[0].level, 3);
    assert!(
        close(gaps[0].area_m2.unwrap_or(0.0), want),
        "{:?} vs {want}",
        gaps[0].area_m2
    );
    // its buildings now lie in no L3 grid
    assert!(!defects(&r, ProblemKind::BuildingUnassigned).is_empty());
}

#[test]
fn a_grid_grown_by_5_m_overlaps_its_neighbours() {
    let (s, mut g, b, f) = lattice();
    let i = interior_l3(&f, &g);
    let (lo, hi) = bounds(&f, &g[i]);
    let (w, h) = (hi.x - lo.x, hi.y - lo.y);
    let grown = metres(&f, &g[i].draft.geometry).buffer(5.0);
    g[i].draft.geometry = degrees(&f, &grown);
    let r = run(&s, &g, &b);
    let id = g[i].id;
    let overlaps: Vec<&Problem> = defects(&r, ProblemKind::Overlap)
        .into_iter()
        .filter(|p| p.grids.iter().any(|x| x.id == id))
        .collect();
    assert!(overlaps.len() >= 3, "{overlaps:#?}");
    let total: f64 = overlaps.iter().filter_map(|p| p.area_m2).sum();
    // the ring added by a 5 m buffer of a w × h rectangle
    let want = 2.0 * (w + h) * 5.0 + std::f64::consts::PI * 25.0;
    assert!(close(total, want), "{total} vs {want}");
}

#[test]
fn a_grid_moved_outside_its_parent_is_found() {
    let (s, mut g, b, f) = lattice();
    // an L3 grid on the east edge of its parent L2, that L2 inside the subdistrict
    let parent_box = |g: &[Grid], pid: i64| {
        g.iter()
            .find(|p| p.id == pid)
            .map(|p| bounds(&f, p))
            .expect("parent")
    };
    let i = g
        .iter()
        .position(|x| {
            x.draft.level == 3 && {
                let (_, hi) = bounds(&f, x);
                let (_, phi) = parent_box(&g, x.draft.parent_id.unwrap_or(0));
                (hi.x - phi.x).abs() < 0.05 && phi.x < 590.0
            }
        })
        .expect("an L3 on its parent's east edge");
    let (lo, hi) = bounds(&f, &g[i]);
    let h = hi.y - lo.y;
    let shape = metres(&f, &g[i].draft.geometry).map_coords(|c| Coord {
        x: c.x + 20.0,
        y: c.y,
    });
    g[i].draft.geometry = degrees(&f, &shape);
    let r = run(&s, &g, &b);
    let out = defects(&r, ProblemKind::OutsideParent);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(out[0].grids[0].id, g[i].id);
    assert!(
        close(out[0].area_m2.unwrap_or(0.0), 20.0 * h),
        "{:?} vs {}",
        out[0].area_m2,
        20.0 * h
    );
    assert!((out[0].width_m.unwrap_or(0.0) - 20.0).abs() < 0.5);
    // it leaves a 20 m gap behind and overlaps the grid it moved onto
    assert!(
        defects(&r, ProblemKind::Gap)
            .iter()
            .any(|p| close(p.area_m2.unwrap_or(0.0), 20.0 * h))
    );
    assert!(!defects(&r, ProblemKind::Overlap).is_empty());
}

/// Moves the east side of grid `i` west by `d` metres.
fn shrink_east(f: &LocalFrame, g: &mut Grid, d: f64) -> f64 {
    let (lo, hi) = bounds(f, g);
    let shape = metres(f, &g.draft.geometry).map_coords(|c| {
        if c.x > hi.x - 0.05 {
            Coord { x: c.x - d, y: c.y }
        } else {
            c
        }
    });
    g.draft.geometry = degrees(f, &shape);
    hi.y - lo.y
}

#[test]
fn a_2_m_gap_is_a_defect_and_a_20_cm_sliver_is_noise() {
    let (s, mut g, b, f) = lattice();
    let i = interior_l3(&f, &g);
    let h = shrink_east(&f, &mut g[i], 2.0);
    let r = run(&s, &g, &b);
    let gaps = defects(&r, ProblemKind::Gap);
    assert_eq!(gaps.len(), 1, "{gaps:#?}");
    assert!(
        close(gaps[0].area_m2.unwrap_or(0.0), 2.0 * h),
        "{:?} vs {}",
        gaps[0].area_m2,
        2.0 * h
    );
    assert!(
        (gaps[0].width_m.unwrap_or(0.0) - 2.0).abs() < 0.05,
        "{:?}",
        gaps[0].width_m
    );
    assert!(
        gaps[0].grids.iter().any(|x| x.id == g[i].id),
        "the gap names the grid next to it"
    );

    let (s, mut g, b, f) = lattice();
    let i = interior_l3(&f, &g);
    let h = shrink_east(&f, &mut g[i], 0.2);
    let r = run(&s, &g, &b);
    assert!(
        r.is_clean(),
        "{:#?}",
        r.problems().take(3).collect::<Vec<_>>()
    );
    let l3 = &r.levels[2].noise;
    assert!(l3.gaps >= 1);
    assert!(
        close(l3.gap_area_m2, 0.2 * h),
        "{} vs {}",
        l3.gap_area_m2,
        0.2 * h
    );
    // with a tolerance below the sliver's width it becomes a defect
    let input = Input {
        subdistrict: &s,
        grids: g.iter().collect(),
        buildings: b.iter().collect(),
    };
    let strict = audit(
        &input,
        &Config::default().with_tolerance(0.1).expect("tolerance"),
    );
    assert_eq!(defects(&strict, ProblemKind::Gap).len(), 1);
}

#[test]
fn duplicate_and_foreign_codes_are_found() {
    let (s, mut g, b, _) = lattice();
    let l3: Vec<usize> = (0..g.len()).filter(|&i| g[i].draft.level == 3).collect();
    let (a, c) = (l3[0], l3[1]);
    g[c].draft.code = g[a].draft.code.clone();
    // an L3 whose code's prefix is another L2's
    let foreign = l3
        .iter()
        .copied()
        .find(|&i| g[i].draft.parent_id != g[a].draft.parent_id)
        .expect("another parent");
    let mut code = g[a].draft.code[..15].to_owned();
    code.push_str("777");
    g[foreign].draft.code = code;
    let r = run(&s, &g, &b);
    let dup = defects(&r, ProblemKind::DuplicateCode);
    assert_eq!(dup.len(), 1, "{dup:#?}");
    let ids: Vec<i64> = dup[0].grids.iter().map(|x| x.id).collect();
    assert!(ids.contains(&g[a].id) && ids.contains(&g[c].id));
    let prefix = defects(&r, ProblemKind::CodePrefix);
    assert_eq!(prefix.len(), 1, "{prefix:#?}");
    assert_eq!(prefix[0].grids[0].id, g[foreign].id);
}

#[test]
fn the_size_rule_and_split_buildings() {
    let (s, mut g, mut b, f) = lattice();
    let l3: Vec<usize> = (0..g.len())
        .filter(|&i| g[i].draft.level == 3 && g[i].draft.kind == GridKind::Residential)
        .collect();
    g[l3[0]].draft.households = Some(900);
    g[l3[1]].draft.households = Some(40);
    // a building across the east edge of an interior grid, half on each side
    let i = interior_l3(&f, &g);
    let (_, hi) = bounds(&f, &g[i]);
    let (lo, _) = bounds(&f, &g[i]);
    let y = (lo.y + hi.y) / 2.0;
    let sq = polygon![(x: hi.x - 5.0, y: y), (x: hi.x + 5.0, y: y), (x: hi.x + 5.0, y: y + 10.0), (x: hi.x - 5.0, y: y + 10.0)];
    b[0].footprint = degrees(&f, &MultiPolygon(vec![sq]));
    let r = run(&s, &g, &b);
    let many = defects(&r, ProblemKind::TooManyHouseholds);
    assert_eq!(many.len(), 1);
    assert!(many[0].fix.contains("divide"), "{}", many[0].fix);
    assert_eq!(defects(&r, ProblemKind::TooFewHouseholds).len(), 1);
    let split: Vec<&Problem> = r
        .problems()
        .filter(|p| p.kind == ProblemKind::BuildingSplit)
        .collect();
    assert_eq!(split.len(), 1, "{split:#?}");
    assert_eq!(split[0].building_id, Some(b[0].id));
    assert_eq!(split[0].grids.len(), 2);
}

use crate::domain::grid::GridKind;

#[test]
fn the_demo_data_passes_clean() {
    let batch =
        crate::demo::batch(&crate::demo::default_dir(), &crate::import::quiet).expect("demo");
    let grids: Vec<Grid> = batch
        .grids
        .iter()
        .map(|ig| Grid {
            id: ig.local_id,
            subdistrict_id: ig.subdistrict_id,
            draft: ig.draft.clone(),
            version: 1,
            created_at: chrono::DateTime::UNIX_EPOCH,
            updated_at: chrono::DateTime::UNIX_EPOCH,
        })
        .collect();
    let sid = batch.subdistricts[0].id;
    // buildings carry id 0 until stored: number them as the store would
    let buildings: Vec<Building> = batch
        .buildings
        .iter()
        .enumerate()
        .map(|(i, b)| Building {
            id: i as i64 + 1,
            ..b.clone()
        })
        .collect();
    let atlas = crate::index::Atlas::build(batch.subdistricts.clone(), grids, buildings, vec![]);
    let input = Input::from_atlas(&atlas, sid).expect("subdistrict");
    assert_eq!(input.grids.len(), 78);
    assert_eq!(input.buildings.len(), 446);
    let r = audit(&input, &Config::default());
    assert!(
        r.is_clean(),
        "{:#?}",
        r.problems()
            .filter(|p| p.severity == Severity::Defect)
            .take(5)
            .map(|p| &p.message)
            .collect::<Vec<_>>()
    );
    for l in &r.levels {
        assert!(
            (l.coverage_ratio - 1.0).abs() < 1e-4,
            "level {}: {}",
            l.level,
            l.coverage_ratio
        );
    }
    // every building lies in an L3 grid; a few are cut by a grid line (warnings)
    assert!(
        r.problems()
            .all(|p| p.kind != ProblemKind::BuildingUnassigned)
    );
}
