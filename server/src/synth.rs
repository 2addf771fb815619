//! A deterministic synthetic city for benchmarks and load tests (`gridd synth`).
//!
//! One rectangular subdistrict (by default around 118.8°E 32.0°N) divided into an
//! n × n lattice of L1 grids, each split into k × k L2 grids, each into m × m L3
//! grids. All grids are walks along one global lattice of vertices whose interior
//! vertices are jittered by a fixed hash of their indices (no random numbers), and
//! every vertex is computed once and rounded to 7 decimals, so neighbours share
//! identical vertex coordinates and the coverage is exact at every level. Buildings
//! are small rectangles well inside the L3 cells (never crossing a grid edge), with
//! households estimated as for imported buildings; a handful of roads follow the
//! L1 lattice lines. Codes follow docs/grid-codes.md, siblings numbered in reading
//! order (north row first, west to east).

use geo::{Coord, Geometry, LineString, Polygon};

use crate::domain::change::{ImportBatch, ImportGrid};
use crate::domain::frame::LocalFrame;
use crate::domain::grid::{GridDraft, GridKind};
use crate::domain::reference::{Building, Road, estimate_households};
use crate::domain::subdistrict::Subdistrict;

/// The shape of a synthetic city.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// L1 grids across and down (n × n L1 grids; at most 31, since codes allow 999
    /// siblings).
    pub l1: usize,
    /// L2 grids across and down in each L1 (k × k).
    pub l2_split: usize,
    /// L3 grids across and down in each L2 (m × m).
    pub l3_split: usize,
    /// Buildings in all, spread evenly over the L3 grids.
    pub buildings: usize,
    /// Nominal side of an L3 grid, metres.
    pub cell_m: f64,
    /// Centre of the subdistrict, degrees (lon, lat).
    pub centre: (f64, f64),
    /// How far interior vertices move, as a share of an L3 cell (0 – 0.2).
    pub jitter: f64,
    /// Nine-digit subdistrict code.
    pub code: String,
    /// Subdistrict name.
    pub name: String,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            l1: 19,
            l2_split: 4,
            l3_split: 3,
            buildings: 500_000,
            cell_m: 80.0,
            centre: (118.8, 32.0),
            jitter: 0.15,
            code: "320104990".into(),
            name: "Synthetic subdistrict".into(),
        }
    }
}

impl Params {
    /// The smallest square L1 lattice that gives at least `grids_l3` L3 grids with
    /// the given splits.
    pub fn l1_for(grids_l3: usize, l2_split: usize, l3_split: usize) -> usize {
        let per_l1 = (l2_split * l2_split * l3_split * l3_split).max(1);
        let need = grids_l3.div_ceil(per_l1).max(1);
        let mut n = (need as f64).sqrt().floor() as usize;
        while n * n < need {
            n += 1;
        }
        n.max(1)
    }

    /// Number of grids per level (L1, L2, L3).
    pub fn counts(&self) -> (usize, usize, usize) {
        let l1 = self.l1 * self.l1;
        let l2 = l1 * self.l2_split * self.l2_split;
        (l1, l2, l2 * self.l3_split * self.l3_split)
    }

    /// Checks the parameters; the message names the offending one.
    pub fn check(&self) -> Result<(), String> {
        if self.l1 == 0 || self.l2_split == 0 || self.l3_split == 0 {
            return Err("every lattice size must be at least 1".into());
        }
        for (what, n) in [
            ("L1", self.l1),
            ("L2", self.l2_split),
            ("L3", self.l3_split),
        ] {
            if n * n > 999 {
                return Err(format!(
                    "{what}: {n} × {n} siblings exceed the 999 that 3-digit codes allow"
                ));
            }
        }
        if !(self.code.len() == 9 && self.code.bytes().all(|b| b.is_ascii_digit())) {
            return Err(format!(
                "subdistrict code must be 9 digits, got {:?}",
                self.code
            ));
        }
        if !(0.0..=0.2).contains(&self.jitter) {
            return Err(format!(
                "jitter must be within 0–0.2 of a cell, got {}",
                self.jitter
            ));
        }
        if !(self.cell_m.is_finite() && self.cell_m >= 5.0) {
            return Err(format!(
                "cell size must be at least 5 m, got {}",
                self.cell_m
            ));
        }
        let (lon, lat) = self.centre;
        let half_deg =
            self.side() as f64 * self.cell_m / LocalFrame::new(Coord { x: lon, y: lat }).ky;
        if !(lon.abs() < 170.0 && lat.abs() + half_deg < 80.0) {
            return Err(format!(
                "centre {lon},{lat} is too close to the edge of the world"
            ));
        }
        Ok(())
    }

    /// L3 cells along one side of the subdistrict.
    fn side(&self) -> usize {
        self.l1 * self.l2_split * self.l3_split
    }
}

/// splitmix64 of a triple, mapped to [-1, 1).
fn hash(a: u64, b: u64, c: u64) -> f64 {
    let mut z = a
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F))
        .wrapping_add(c.wrapping_mul(0x1656_67B1_9E37_79F9));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

/// Metres east/north of the centre (the local frame) → degrees, rounded to 7
/// decimals.
struct Frame(LocalFrame);

impl Frame {
    fn new((lon0, lat0): (f64, f64)) -> Self {
        Self(LocalFrame::new(Coord { x: lon0, y: lat0 }))
    }

    fn deg(&self, x: f64, y: f64) -> Coord {
        let r = |v: f64| (v * 1e7).round() / 1e7;
        let d = self.0.to_degrees(Coord { x, y });
        Coord {
            x: r(d.x),
            y: r(d.y),
        }
    }
}

/// The global vertex lattice: (side + 1)² rounded coordinates, west→east, south→north.
struct Lattice {
    side: usize,
    v: Vec<Coord>,
}

impl Lattice {
    fn new(p: &Params, frame: &Frame) -> Self {
        let side = p.side();
        let half = side as f64 / 2.0;
        let mut v = Vec::with_capacity((side + 1) * (side + 1));
        for j in 0..=side {
            for i in 0..=side {
                let interior = i > 0 && i < side && j > 0 && j < side;
                let (dx, dy) = if interior {
                    (
                        hash(i as u64, j as u64, 1) * p.jitter,
                        hash(i as u64, j as u64, 2) * p.jitter,
                    )
                } else {
                    (0.0, 0.0)
                };
                v.push(frame.deg(
                    (i as f64 - half + dx) * p.cell_m,
                    (j as f64 - half + dy) * p.cell_m,
                ));
            }
        }
        Self { side, v }
    }

    fn at(&self, i: usize, j: usize) -> Coord {
        self.v[j * (self.side + 1) + i]
    }

    /// The counter-clockwise boundary walk of the block of cells [i0, i1) × [j0, j1),
    /// through every lattice vertex on it.
    fn block(&self, i0: usize, j0: usize, i1: usize, j1: usize) -> Polygon {
        let mut ring = Vec::with_capacity(2 * (i1 - i0 + j1 - j0) + 1);
        ring.extend((i0..i1).map(|i| self.at(i, j0)));
        ring.extend((j0..j1).map(|j| self.at(i1, j)));
        ring.extend((i0 + 1..=i1).rev().map(|i| self.at(i, j1)));
        ring.extend((j0 + 1..=j1).rev().map(|j| self.at(i0, j)));
        ring.push(ring[0]);
        Polygon::new(LineString(ring), vec![])
    }
}

fn seq(parent: &str, rows: usize, cols: usize, col: usize, row_from_south: usize) -> String {
    let r = rows - 1 - row_from_south;
    format!("{parent}{:03}", r * cols + col + 1)
}

/// Buildings of one L3 cell [i, i+1) × [j, j+1): `count` rectangles on a sub-lattice
/// of slots inside the part of the cell that no jitter can reach.
fn cell_buildings(
    p: &Params,
    frame: &Frame,
    i: usize,
    j: usize,
    count: usize,
    out: &mut Vec<Building>,
) {
    if count == 0 {
        return;
    }
    let half = p.side() as f64 / 2.0;
    let margin = p.jitter + 0.06; // share of a cell; rounding is ~1 cm
    let (x0, y0) = (
        (i as f64 - half + margin) * p.cell_m,
        (j as f64 - half + margin) * p.cell_m,
    );
    let inner = (1.0 - 2.0 * margin) * p.cell_m;
    let sx = (count as f64).sqrt().ceil() as usize;
    let sy = count.div_ceil(sx);
    let (w, h) = (inner / sx as f64, inner / sy as f64);
    for s in 0..count {
        let (a, b) = (s % sx, s / sx);
        let key = ((i as u64) << 32) | j as u64;
        let fw = 0.55 + 0.3 * (hash(key, s as u64, 3) + 1.0) / 2.0;
        let fh = 0.55 + 0.3 * (hash(key, s as u64, 4) + 1.0) / 2.0;
        let (cx, cy) = (x0 + (a as f64 + 0.5) * w, y0 + (b as f64 + 0.5) * h);
        let (hw, hh) = (w * fw / 2.0, h * fh / 2.0);
        let ring = vec![
            frame.deg(cx - hw, cy - hh),
            frame.deg(cx + hw, cy - hh),
            frame.deg(cx + hw, cy + hh),
            frame.deg(cx - hw, cy + hh),
            frame.deg(cx - hw, cy - hh),
        ];
        let footprint = Geometry::Polygon(Polygon::new(LineString(ring), vec![]));
        let r = (hash(key, s as u64, 5) + 1.0) / 2.0;
        let usage = if r < 0.8 {
            "residential"
        } else if r < 0.9 {
            "commercial"
        } else {
            "yes"
        };
        let levels = (3.0 + ((hash(key, s as u64, 6) + 1.0) * 7.5).floor()).min(18.0);
        let households = estimate_households(&footprint, levels, usage);
        out.push(Building {
            id: 0,
            subdistrict_id: SUBDISTRICT,
            osm_id: None,
            name: None,
            usage: usage.into(),
            levels,
            households,
            footprint,
        });
    }
}

/// Batch-local id of the subdistrict.
const SUBDISTRICT: i64 = -1;

/// Generates the city. Deterministic: the same parameters give the same batch, bit
/// for bit. Grids come parents first; batch-local ids are negative.
pub fn city(p: &Params) -> ImportBatch {
    let frame = Frame::new(p.centre);
    let lat = Lattice::new(p, &frame);
    let (n, k, m) = (p.l1, p.l2_split, p.l3_split);
    let side = lat.side;
    let (c1, c2, c3) = p.counts();

    let subdistrict = Subdistrict {
        id: SUBDISTRICT,
        code: p.code.clone(),
        name: p.name.clone(),
        boundary: Geometry::Polygon(lat.block(0, 0, side, side)),
    };

    // Buildings first (L3 households are their sum), cell by cell.
    let mut buildings = Vec::with_capacity(p.buildings);
    let mut cell_households = vec![0i64; side * side];
    let (base, extra) = (p.buildings / c3, p.buildings % c3);
    for j in 0..side {
        for i in 0..side {
            let t = j * side + i;
            let start = buildings.len();
            cell_buildings(
                p,
                &frame,
                i,
                j,
                base + usize::from(t < extra),
                &mut buildings,
            );
            cell_households[t] = buildings[start..]
                .iter()
                .map(|b| i64::from(b.households))
                .sum();
        }
    }

    let mut grids = Vec::with_capacity(c1 + c2 + c3);
    let mut next_local = -2i64;
    let mut local = || {
        let id = next_local;
        next_local -= 1;
        id
    };
    let draft = |code: String,
                 name: String,
                 level: u8,
                 parent: Option<i64>,
                 households: i64,
                 geometry: Polygon| {
        let h = i32::try_from(households).unwrap_or(i32::MAX);
        GridDraft {
            code,
            name,
            level,
            parent_id: parent,
            kind: if h > 0 {
                GridKind::Residential
            } else {
                GridKind::Other
            },
            households: Some(h),
            population: Some((f64::from(h) * 2.6).round() as i32),
            geometry: Geometry::Polygon(geometry),
            responsible: Vec::new(),
        }
    };
    let sum = |i0: usize, j0: usize, w: usize| -> i64 {
        (j0..j0 + w)
            .flat_map(|j| (i0..i0 + w).map(move |i| (i, j)))
            .map(|(i, j)| cell_households[j * side + i])
            .sum()
    };
    let (w1, w2) = (k * m, m);
    for b1 in (0..n).rev() {
        for a1 in 0..n {
            let code1 = seq(&p.code, n, n, a1, b1);
            let (i1, j1) = (a1 * w1, b1 * w1);
            let id1 = local();
            let name1 = format!("Community {}", &code1[9..]);
            grids.push(ImportGrid {
                local_id: id1,
                subdistrict_id: SUBDISTRICT,
                draft: draft(
                    code1.clone(),
                    name1,
                    1,
                    None,
                    sum(i1, j1, w1),
                    lat.block(i1, j1, i1 + w1, j1 + w1),
                ),
            });
            for b2 in (0..k).rev() {
                for a2 in 0..k {
                    let code2 = seq(&code1, k, k, a2, b2);
                    let (i2, j2) = (i1 + a2 * w2, j1 + b2 * w2);
                    let id2 = local();
                    let name2 = format!("Block {}-{}", &code1[9..], &code2[12..]);
                    grids.push(ImportGrid {
                        local_id: id2,
                        subdistrict_id: SUBDISTRICT,
                        draft: draft(
                            code2.clone(),
                            name2,
                            2,
                            Some(id1),
                            sum(i2, j2, w2),
                            lat.block(i2, j2, i2 + w2, j2 + w2),
                        ),
                    });
                    for b3 in (0..m).rev() {
                        for a3 in 0..m {
                            let code3 = seq(&code2, m, m, a3, b3);
                            let (i3, j3) = (i2 + a3, j2 + b3);
                            let name3 =
                                format!("Group {}-{}-{}", &code1[9..], &code2[12..], &code3[15..]);
                            grids.push(ImportGrid {
                                local_id: local(),
                                subdistrict_id: SUBDISTRICT,
                                draft: draft(
                                    code3,
                                    name3,
                                    3,
                                    Some(id2),
                                    cell_households[j3 * side + i3],
                                    lat.block(i3, j3, i3 + 1, j3 + 1),
                                ),
                            });
                        }
                    }
                }
            }
        }
    }
    // Parents first: stable sort by level keeps reading order within a level.
    grids.sort_by_key(|g| g.draft.level);

    // Roads along the interior L1 lattice lines.
    let mut roads = Vec::new();
    for a in 1..n {
        let l = a * w1;
        let highway = if a % 3 == 0 { "primary" } else { "secondary" };
        let ns = LineString((0..=side).map(|j| lat.at(l, j)).collect());
        let ew = LineString((0..=side).map(|i| lat.at(i, l)).collect());
        for (line, name) in [
            (ns, format!("Synthetic North Road {a}")),
            (ew, format!("Synthetic East Road {a}")),
        ] {
            roads.push(Road {
                id: 0,
                subdistrict_id: SUBDISTRICT,
                osm_id: None,
                name: Some(name),
                highway: highway.into(),
                line: Geometry::LineString(line),
            });
        }
    }

    ImportBatch {
        subdistricts: vec![subdistrict],
        grids,
        buildings,
        roads,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::type_complexity)]
mod tests {
    use std::collections::HashMap;

    use geo::{Area, Contains, Validation};

    use super::*;
    use crate::domain::code::check_grid_code;

    fn small() -> Params {
        Params {
            l1: 3,
            l2_split: 2,
            l3_split: 2,
            buildings: 500,
            cell_m: 60.0,
            ..Params::default()
        }
    }

    fn poly(g: &Geometry) -> &Polygon {
        match g {
            Geometry::Polygon(p) => p,
            other => panic!("not a polygon: {other:?}"),
        }
    }

    #[test]
    fn counts_and_lattice_choice() {
        assert_eq!(Params::l1_for(50_000, 4, 3), 19);
        let p = Params {
            l1: Params::l1_for(50_000, 4, 3),
            ..Params::default()
        };
        let (a, b, c) = p.counts();
        assert!(c >= 50_000, "{c}");
        assert_eq!((a, b), (361, 5776));
        assert!(p.check().is_ok());
        assert!(
            Params {
                l1: 32,
                ..Params::default()
            }
            .check()
            .is_err()
        );
        assert!(
            Params {
                code: "12".into(),
                ..Params::default()
            }
            .check()
            .is_err()
        );
        let b = city(&small());
        assert_eq!(b.grids.len(), 9 + 36 + 144);
        assert_eq!(b.buildings.len(), 500);
        assert_eq!(b.roads.len(), 4);
    }

    #[test]
    fn deterministic() {
        let (a, b) = (city(&small()), city(&small()));
        assert_eq!(a.subdistricts, b.subdistricts);
        assert_eq!(a.buildings, b.buildings);
        assert_eq!(a.roads, b.roads);
        assert_eq!(a.grids.len(), b.grids.len());
        for (x, y) in a.grids.iter().zip(&b.grids) {
            assert_eq!(
                (x.local_id, x.subdistrict_id, &x.draft),
                (y.local_id, y.subdistrict_id, &y.draft)
            );
        }
        // Jitter is on: the lattice is not a plain grid.
        let other = city(&Params {
            jitter: 0.0,
            ..small()
        });
        assert_ne!(a.grids[50].draft.geometry, other.grids[50].draft.geometry);
    }

    #[test]
    fn valid_codes_parents_and_rounded_coordinates() {
        let b = city(&small());
        let by_local: HashMap<i64, &ImportGrid> = b.grids.iter().map(|g| (g.local_id, g)).collect();
        let mut codes = std::collections::HashSet::new();
        let mut last_level = 0;
        for g in &b.grids {
            assert!(g.draft.level >= last_level, "parents first");
            last_level = g.draft.level;
            let parent_code = match g.draft.parent_id {
                None => b.subdistricts[0].code.clone(),
                Some(p) => {
                    let parent = by_local[&p];
                    assert_eq!(parent.draft.level + 1, g.draft.level);
                    parent.draft.code.clone()
                }
            };
            check_grid_code("code", &g.draft.code, g.draft.level, &parent_code).unwrap();
            assert!(
                codes.insert(g.draft.code.clone()),
                "duplicate {}",
                g.draft.code
            );
            let p = poly(&g.draft.geometry);
            assert!(p.is_valid(), "{} invalid", g.draft.code);
            assert!(p.exterior().is_closed());
            for c in p.exterior().coords() {
                assert_eq!(c.x, (c.x * 1e7).round() / 1e7);
                assert_eq!(c.y, (c.y * 1e7).round() / 1e7);
            }
        }
        // Reading order: the first L1 is the north-west one.
        let l1: Vec<_> = b.grids.iter().filter(|g| g.draft.level == 1).collect();
        let first = poly(&l1[0].draft.geometry).exterior().0[0];
        let last = poly(&l1[8].draft.geometry).exterior().0[0];
        assert!(first.x < last.x && first.y > last.y);
        assert!(l1[0].draft.code.ends_with("001") && l1[8].draft.code.ends_with("009"));
    }

    /// Every edge inside the subdistrict is used by exactly two grids of a level, in
    /// opposite directions, with identical coordinates; every other edge lies on the
    /// subdistrict's boundary. So the coverage has no gap and no overlap, exactly.
    #[test]
    fn shared_vertices_make_an_exact_coverage() {
        let b = city(&small());
        let key = |c: Coord| (c.x.to_bits(), c.y.to_bits());
        let boundary: std::collections::HashSet<_> = poly(&b.subdistricts[0].boundary)
            .exterior()
            .lines()
            .map(|l| (key(l.start), key(l.end)))
            .collect();
        let total = poly(&b.subdistricts[0].boundary).unsigned_area();
        for level in 1..=3u8 {
            let mut edges: HashMap<((u64, u64), (u64, u64)), i32> = HashMap::new();
            let mut area = 0.0;
            for g in b.grids.iter().filter(|g| g.draft.level == level) {
                let p = poly(&g.draft.geometry);
                assert!(p.signed_area() > 0.0, "counter-clockwise");
                area += p.unsigned_area();
                for l in p.exterior().lines() {
                    *edges.entry((key(l.start), key(l.end))).or_default() += 1;
                }
            }
            for (&(s, e), &count) in &edges {
                assert_eq!(count, 1, "edge used twice in one direction");
                let twin = edges.contains_key(&(e, s));
                assert!(
                    twin || boundary.contains(&(s, e)),
                    "level {level}: an edge is neither shared nor on the boundary"
                );
            }
            assert!(
                (area - total).abs() < total * 1e-9,
                "level {level}: {area} vs {total}"
            );
        }
    }

    #[test]
    fn buildings_lie_inside_their_l3_grid_and_sum_to_households() {
        let b = city(&small());
        let l3: Vec<_> = b.grids.iter().filter(|g| g.draft.level == 3).collect();
        let mut per_grid: HashMap<&str, i64> = HashMap::new();
        for x in &b.buildings {
            let f = poly(&x.footprint);
            assert!(f.is_valid());
            let owners: Vec<_> = l3.iter().filter(|g| g.draft.geometry.contains(f)).collect();
            assert_eq!(
                owners.len(),
                1,
                "a building lies inside exactly one L3 grid"
            );
            *per_grid.entry(&owners[0].draft.code).or_default() += i64::from(x.households);
        }
        for g in &l3 {
            assert_eq!(
                i64::from(g.draft.households.unwrap()),
                per_grid.get(g.draft.code.as_str()).copied().unwrap_or(0)
            );
        }
        let total: i64 = b
            .grids
            .iter()
            .filter(|g| g.draft.level == 1)
            .map(|g| i64::from(g.draft.households.unwrap()))
            .sum();
        assert_eq!(
            total,
            b.buildings
                .iter()
                .map(|x| i64::from(x.households))
                .sum::<i64>()
        );
        assert!(total > 0);
    }
}
