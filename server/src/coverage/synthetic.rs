//! Deterministic synthetic subdistricts for tests and benchmarks: a warped lattice
//! of L1 quads, each divided into L2 quads, each into L3 quads, alternating the
//! direction of division so that edges of neighbours meet in T-junctions (as in
//! real data), every vertex rounded to 7 decimals (about 1 cm), and small
//! rectangular buildings well inside the L3 grids. No random numbers: a fixed
//! hash of the indices drives the jitter.

use chrono::DateTime;
use geo::{Coord, Geometry, LineString, Polygon};

use super::LocalFrame;
use crate::domain::grid::{Grid, GridDraft, GridKind};
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;

/// The shape of a synthetic subdistrict.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Centre, degrees.
    pub centre: Coord,
    /// Width and height, metres.
    pub size_m: (f64, f64),
    /// L1 quads across and down.
    pub l1: (usize, usize),
    /// L2 quads in each L1 (swapped in every other L1).
    pub l2: (usize, usize),
    /// L3 quads in each L2 (swapped in every other L2).
    pub l3: (usize, usize),
    /// Buildings in all.
    pub buildings: usize,
    /// Extra collinear vertices on each edge of a grid.
    pub densify: usize,
    /// How far interior L1 corners move, as a share of an L1 cell (0 gives a
    /// plain rectangular lattice).
    pub jitter: f64,
}

impl Spec {
    /// 1.2 km × 1 km, 4 L1, 24 L2, 96 L3, 300 buildings.
    pub fn small() -> Self {
        Self {
            centre: Coord { x: 120.6, y: 31.3 },
            size_m: (1200.0, 1000.0),
            l1: (2, 2),
            l2: (2, 3),
            l3: (2, 2),
            buildings: 300,
            densify: 3,
            jitter: 0.15,
        }
    }

    /// 6 km × 5 km, 30 L1, 300 L2, 3,000 L3, 20,000 buildings: the benchmark.
    pub fn bench() -> Self {
        Self {
            centre: Coord { x: 120.6, y: 31.3 },
            size_m: (6000.0, 5000.0),
            l1: (6, 5),
            l2: (2, 5),
            l3: (2, 5),
            buildings: 20_000,
            densify: 4,
            jitter: 0.15,
        }
    }
}

/// Subdistrict code of synthetic data.
pub const CODE: &str = "320508990";

fn hash(a: u64, b: u64) -> f64 {
    // splitmix64 of the pair, mapped to [-1, 1)
    let mut z = a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_add(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
}

type Quad = [Coord; 4]; // corners in metres: (0,0) (1,0) (1,1) (0,1)

fn bilinear(q: &Quad, u: f64, v: f64) -> Coord {
    let a = q[0] * ((1.0 - u) * (1.0 - v));
    let b = q[1] * (u * (1.0 - v));
    let c = q[2] * (u * v);
    let d = q[3] * ((1.0 - u) * v);
    a + b + c + d
}

fn split(q: &Quad, nx: usize, ny: usize) -> Vec<Quad> {
    let mut out = Vec::with_capacity(nx * ny);
    for j in 0..ny {
        for i in 0..nx {
            let (u0, u1) = (i as f64 / nx as f64, (i + 1) as f64 / nx as f64);
            let (v0, v1) = (j as f64 / ny as f64, (j + 1) as f64 / ny as f64);
            out.push([
                bilinear(q, u0, v0),
                bilinear(q, u1, v0),
                bilinear(q, u1, v1),
                bilinear(q, u0, v1),
            ]);
        }
    }
    // reading order: north first, then west to east
    out.sort_by(|a, b| {
        (b[3].y + b[2].y)
            .total_cmp(&(a[3].y + a[2].y))
            .then(a[0].x.total_cmp(&b[0].x))
    });
    out
}

/// A quad as a polygon in degrees, each edge with `densify` extra vertices,
/// rounded to 7 decimals.
pub fn quad_polygon(frame: &LocalFrame, q: &Quad, densify: usize) -> Polygon {
    let mut ring = Vec::with_capacity(4 * (densify + 1) + 1);
    for k in 0..4 {
        let (a, b) = (q[k], q[(k + 1) % 4]);
        for s in 0..=densify {
            let t = s as f64 / (densify + 1) as f64;
            ring.push(round7(frame.to_degrees(a + (b - a) * t)));
        }
    }
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

/// Rounds a coordinate to 7 decimals (about 1 cm).
pub fn round7(c: Coord) -> Coord {
    Coord {
        x: (c.x * 1e7).round() / 1e7,
        y: (c.y * 1e7).round() / 1e7,
    }
}

/// Builds the subdistrict, its grids (ids from 1, parents first) and buildings.
pub fn hierarchy(spec: &Spec) -> (Subdistrict, Vec<Grid>, Vec<Building>) {
    let frame = LocalFrame::new(spec.centre);
    let (w, h) = spec.size_m;
    let (nx, ny) = spec.l1;
    // L1 lattice: interior nodes jittered by up to `jitter` of a cell.
    let node = |i: usize, j: usize| -> Coord {
        let mut x = -w / 2.0 + w * i as f64 / nx as f64;
        let mut y = -h / 2.0 + h * j as f64 / ny as f64;
        if i > 0 && i < nx {
            x += spec.jitter * w / nx as f64 * hash(i as u64, j as u64 * 2);
        }
        if j > 0 && j < ny {
            y += spec.jitter * h / ny as f64 * hash(i as u64, j as u64 * 2 + 1);
        }
        Coord { x, y }
    };
    let outer: Quad = [node(0, 0), node(nx, 0), node(nx, ny), node(0, ny)];
    let boundary = Geometry::Polygon(quad_polygon(&frame, &outer, 8));
    let subdistrict = Subdistrict {
        id: 1,
        code: CODE.into(),
        name: "合成街道".into(),
        boundary,
    };
    let mut l1: Vec<Quad> = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            l1.push([
                node(i, j),
                node(i + 1, j),
                node(i + 1, j + 1),
                node(i, j + 1),
            ]);
        }
    }
    l1.sort_by(|a, b| {
        (b[3].y + b[2].y)
            .total_cmp(&(a[3].y + a[2].y))
            .then(a[0].x.total_cmp(&b[0].x))
    });
    let epoch = DateTime::from_timestamp(0, 0).unwrap_or_default();
    let mut grids = Vec::new();
    let mut l3_quads: Vec<(usize, Quad)> = Vec::new();
    let mut next_id = 1;
    let mut make = |grids: &mut Vec<Grid>,
                    code: String,
                    level: u8,
                    parent: Option<i64>,
                    kind: GridKind,
                    households: Option<i32>,
                    q: &Quad|
     -> i64 {
        let id = next_id;
        next_id += 1;
        grids.push(Grid {
            id,
            subdistrict_id: 1,
            draft: GridDraft {
                name: format!("网格 {code}"),
                code,
                level,
                parent_id: parent,
                kind,
                households,
                population: households.map(|h| (h * 21 + 5) / 10),
                geometry: Geometry::Polygon(quad_polygon(&frame, q, spec.densify)),
                responsible: Vec::new(),
            },
            version: 1,
            created_at: epoch,
            updated_at: epoch,
        });
        id
    };
    for (a, q1) in l1.iter().enumerate() {
        let c1 = format!("{CODE}{:03}", a + 1);
        let id1 = make(
            &mut grids,
            c1.clone(),
            1,
            None,
            GridKind::Residential,
            None,
            q1,
        );
        let (p, r) = if a % 2 == 0 {
            spec.l2
        } else {
            (spec.l2.1, spec.l2.0)
        };
        for (b, q2) in split(q1, p, r).iter().enumerate() {
            let c2 = format!("{c1}{:03}", b + 1);
            let id2 = make(
                &mut grids,
                c2.clone(),
                2,
                Some(id1),
                GridKind::Residential,
                None,
                q2,
            );
            let (p, r) = if (a + b) % 2 == 0 {
                spec.l3
            } else {
                (spec.l3.1, spec.l3.0)
            };
            for (c, q3) in split(q2, p, r).iter().enumerate() {
                let n = l3_quads.len() as u64;
                let scattered = n % 7 == 3;
                let (kind, hh) = if scattered {
                    (
                        GridKind::Scattered,
                        80 + (40.0 * (hash(n, 7) + 1.0) / 2.0) as i32,
                    )
                } else {
                    (
                        GridKind::Residential,
                        250 + (100.0 * (hash(n, 9) + 1.0) / 2.0) as i32,
                    )
                };
                let idx = grids.len();
                make(
                    &mut grids,
                    format!("{c2}{:03}", c + 1),
                    3,
                    Some(id2),
                    kind,
                    Some(hh),
                    q3,
                );
                l3_quads.push((idx, *q3));
            }
        }
    }
    // Households of L1/L2: the sum of their children.
    for level in [2u8, 1] {
        let sums: std::collections::HashMap<i64, i32> = grids
            .iter()
            .filter(|g| g.draft.level == level + 1)
            .fold(Default::default(), |mut m, g| {
                *m.entry(g.draft.parent_id.unwrap_or(0)).or_default() +=
                    g.draft.households.unwrap_or(0);
                m
            });
        for g in grids.iter_mut().filter(|g| g.draft.level == level) {
            g.draft.households = sums.get(&g.id).copied();
            g.draft.population = g.draft.households.map(|h| (h * 21 + 5) / 10);
        }
    }
    let mut buildings = Vec::with_capacity(spec.buildings);
    let n3 = l3_quads.len().max(1);
    for i in 0..spec.buildings {
        let (_, q) = &l3_quads[i % n3];
        let slot = i / n3; // 0..8 on a 3 × 3 sub-lattice
        let (su, sv) = ((slot % 3) as f64, ((slot / 3) % 3) as f64);
        let c = bilinear(q, (su + 0.5) / 3.0, (sv + 0.5) / 3.0);
        let short =
            ((q[1] - q[0]).x.hypot((q[1] - q[0]).y)).min((q[3] - q[0]).x.hypot((q[3] - q[0]).y));
        let side = (short / 3.0 * (0.4 + 0.2 * (hash(i as u64, 11) + 1.0) / 2.0)).min(16.0);
        let ang = 0.3 * hash(i as u64, 13);
        let (s, k) = ang.sin_cos();
        let corner = |dx: f64, dy: f64| {
            round7(frame.to_degrees(Coord {
                x: c.x + dx * k - dy * s,
                y: c.y + dx * s + dy * k,
            }))
        };
        let hs = side / 2.0;
        let ring = vec![
            corner(-hs, -hs),
            corner(hs, -hs),
            corner(hs, hs),
            corner(-hs, hs),
            corner(-hs, -hs),
        ];
        buildings.push(Building {
            id: i as i64 + 1,
            subdistrict_id: 1,
            osm_id: None,
            name: None,
            usage: "residential".into(),
            levels: 6.0,
            households: 45,
            footprint: Geometry::Polygon(Polygon::new(LineString(ring), vec![])),
        });
    }
    (subdistrict, grids, buildings)
}
