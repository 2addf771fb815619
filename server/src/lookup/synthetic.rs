//! Deterministic synthetic data for benchmarks and tests: a three-level (or deeper)
//! tessellation whose neighbours share exactly the same wiggly edges at every level,
//! pseudo-random points and small buildings. No random numbers without a fixed seed.
//!
//! The lattice has `l1.0 × l2.0 × l3.0` columns and `l1.1 × l2.1 × l3.1` rows of L3
//! cells; an L2 grid is a block of L3 cells, an L1 grid a block of L2 blocks. Every
//! lattice vertex is jittered and every lattice edge carries `wiggle` extra vertices,
//! generated once per edge so that both neighbours (and all levels) use the same ones.

use chrono::{DateTime, Utc};
use geo::{Coord, Geometry, LineString, Polygon, Rect, polygon};

use crate::domain::change::{ImportBatch, ImportGrid};
use crate::domain::frame::LocalFrame;
use crate::domain::grid::{Grid, GridDraft, GridKind};
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;

/// The shape of a synthetic subdistrict.
#[derive(Debug, Clone, Copy)]
pub struct Tessellation {
    /// South-west corner (degrees).
    pub origin: Coord,
    /// L3 cell size in metres.
    pub cell_m: f64,
    /// L1 grids: columns, rows.
    pub l1: (usize, usize),
    /// L2 grids per L1: columns, rows.
    pub l2: (usize, usize),
    /// L3 grids per L2: columns, rows.
    pub l3: (usize, usize),
    /// Extra vertices on every lattice edge.
    pub wiggle: usize,
    /// Subdistrict code (nine digits).
    pub code: &'static str,
}

impl Default for Tessellation {
    /// A subdistrict of Suzhou: 6 × 6 L1, 3 × 3 L2 each, 3 × 3 L3 each = 2,916 L3
    /// grids of 120 m (3,276 grids in all), 8 extra vertices per edge.
    fn default() -> Self {
        Self {
            origin: Coord {
                x: 120.58,
                y: 31.28,
            },
            cell_m: 120.0,
            l1: (6, 6),
            l2: (3, 3),
            l3: (3, 3),
            wiggle: 8,
            code: "320508001",
        }
    }
}

impl Tessellation {
    /// A city-scale set: one lattice of 100,800 L3 grids (102,500 grids in all).
    pub fn city_scale() -> Self {
        Self {
            l1: (10, 10),
            l2: (4, 4),
            l3: (7, 9),
            cell_m: 100.0,
            wiggle: 6,
            ..Self::default()
        }
    }

    fn nx(&self) -> usize {
        self.l1.0 * self.l2.0 * self.l3.0
    }

    fn ny(&self) -> usize {
        self.l1.1 * self.l2.1 * self.l3.1
    }

    /// An L3 cell's size in degrees, in the local frame at the origin.
    fn deg(&self) -> (f64, f64) {
        let f = LocalFrame::new(self.origin);
        (self.cell_m / f.kx, self.cell_m / f.ky)
    }

    /// The lattice's bounding box before jitter (degrees).
    pub fn extent(&self) -> Rect {
        let (dx, dy) = self.deg();
        Rect::new(
            self.origin,
            Coord {
                x: self.origin.x + dx * self.nx() as f64,
                y: self.origin.y + dy * self.ny() as f64,
            },
        )
    }

    /// The centre of the extent.
    pub fn centre(&self) -> Coord {
        self.extent().center()
    }

    fn vertex(&self, i: usize, j: usize) -> Coord {
        let (dx, dy) = self.deg();
        let inner = i > 0 && j > 0 && i < self.nx() && j < self.ny();
        let (jx, jy) = if inner {
            let h = mix(i as u64, j as u64, 0);
            (unit(h) * 0.25, unit(mix64(h)) * 0.25)
        } else {
            (0.0, 0.0)
        };
        Coord {
            x: self.origin.x + dx * (i as f64 + jx),
            y: self.origin.y + dy * (j as f64 + jy),
        }
    }

    /// Interior points of the lattice edge from vertex (i, j) east (`east`) or north.
    fn edge(&self, i: usize, j: usize, east: bool) -> Vec<Coord> {
        let a = self.vertex(i, j);
        let b = if east {
            self.vertex(i + 1, j)
        } else {
            self.vertex(i, j + 1)
        };
        let (dx, dy) = self.deg();
        let n = self.wiggle + 1;
        (1..n)
            .map(|k| {
                let t = k as f64 / n as f64;
                let w = unit(mix(i as u64, j as u64, 1 + k as u64 * 2 + u64::from(east))) * 0.08;
                let mut c = Coord {
                    x: a.x + (b.x - a.x) * t,
                    y: a.y + (b.y - a.y) * t,
                };
                if east {
                    c.y += w * dy;
                } else {
                    c.x += w * dx;
                }
                c
            })
            .collect()
    }

    /// The polygon of the block of L3 cells `[i0, i1) × [j0, j1)`, counter-clockwise.
    pub fn block(&self, i0: usize, i1: usize, j0: usize, j1: usize) -> Polygon {
        let mut ring = Vec::new();
        for i in i0..i1 {
            ring.push(self.vertex(i, j0));
            ring.extend(self.edge(i, j0, true));
        }
        for j in j0..j1 {
            ring.push(self.vertex(i1, j));
            ring.extend(self.edge(i1, j, false));
        }
        for i in (i0..i1).rev() {
            ring.push(self.vertex(i + 1, j1));
            ring.extend(self.edge(i, j1, true).into_iter().rev());
        }
        for j in (j0..j1).rev() {
            ring.push(self.vertex(i0, j + 1));
            ring.extend(self.edge(i0, j, false).into_iter().rev());
        }
        ring.push(self.vertex(i0, j0));
        Polygon::new(LineString::from(ring), vec![])
    }

    /// The subdistrict and an import batch of its grids (batch-local ids: the
    /// subdistrict is -1, grids count down from -2).
    pub fn batch(&self) -> ImportBatch {
        let sub = Subdistrict {
            id: -1,
            code: self.code.to_owned(),
            name: format!("synthetic {}", self.code),
            boundary: Geometry::Polygon(self.block(0, self.nx(), 0, self.ny())),
        };
        let mut grids = Vec::new();
        let mut next = -2i64;
        let (w2, h2) = (self.l2.0 * self.l3.0, self.l2.1 * self.l3.1);
        let (w3, h3) = self.l3;
        let mut seq1 = 0;
        for b1 in 0..self.l1.1 {
            for a1 in 0..self.l1.0 {
                seq1 += 1;
                let code1 = format!("{}{seq1:03}", self.code);
                let id1 = next;
                next -= 1;
                let (i0, j0) = (a1 * w2, b1 * h2);
                grids.push(grid(
                    id1,
                    None,
                    &code1,
                    1,
                    self.block(i0, i0 + w2, j0, j0 + h2),
                ));
                let mut seq2 = 0;
                for b2 in 0..self.l2.1 {
                    for a2 in 0..self.l2.0 {
                        seq2 += 1;
                        let code2 = format!("{code1}{seq2:03}");
                        let id2 = next;
                        next -= 1;
                        let (i0, j0) = (i0 + a2 * w3, j0 + b2 * h3);
                        grids.push(grid(
                            id2,
                            Some(id1),
                            &code2,
                            2,
                            self.block(i0, i0 + w3, j0, j0 + h3),
                        ));
                        let mut seq3 = 0;
                        for b3 in 0..h3 {
                            for a3 in 0..w3 {
                                seq3 += 1;
                                let code3 = format!("{code2}{seq3:03}");
                                let (i, j) = (i0 + a3, j0 + b3);
                                grids.push(grid(
                                    next,
                                    Some(id2),
                                    &code3,
                                    3,
                                    self.block(i, i + 1, j, j + 1),
                                ));
                                next -= 1;
                            }
                        }
                    }
                }
            }
        }
        ImportBatch {
            subdistricts: vec![sub],
            grids,
            buildings: vec![],
            roads: vec![],
        }
    }

    /// `n` small square buildings (6–20 m a side, 1–12 storeys) at deterministic
    /// pseudo-random places over the extent, subdistrict 1.
    pub fn buildings(&self, n: usize, seed: u64) -> Vec<Building> {
        let (dx, dy) = self.deg();
        let pts = points(self.extent(), n, seed);
        pts.into_iter()
            .enumerate()
            .map(|(k, c)| {
                let h = mix(seed, k as u64, 7);
                let side = 6.0 + 14.0 * (unit(h) + 0.5);
                let (sx, sy) = (dx * side / self.cell_m, dy * side / self.cell_m);
                let p = polygon![(x: c.x, y: c.y), (x: c.x + sx, y: c.y), (x: c.x + sx, y: c.y + sy), (x: c.x, y: c.y + sy)];
                Building {
                    id: k as i64 + 1,
                    subdistrict_id: 1,
                    osm_id: None,
                    name: None,
                    usage: "apartments".into(),
                    levels: (1 + mix64(h) % 12) as f64,
                    households: (mix64(h) % 40) as i32,
                    footprint: Geometry::Polygon(p),
                }
            })
            .collect()
    }
}

fn grid(local_id: i64, parent: Option<i64>, code: &str, level: u8, p: Polygon) -> ImportGrid {
    ImportGrid {
        local_id,
        subdistrict_id: -1,
        draft: GridDraft {
            code: code.to_owned(),
            name: format!("网格 {code}"),
            level,
            parent_id: parent,
            kind: GridKind::Residential,
            households: None,
            population: None,
            geometry: Geometry::Polygon(p),
            responsible: Vec::new(),
        },
    }
}

/// The subdistrict and grids of a tessellation as stored rows (ids are the negated
/// batch-local ids: subdistrict 1, grids from 2), for building an atlas directly.
pub fn city(t: &Tessellation) -> (Vec<Subdistrict>, Vec<Grid>) {
    let b = t.batch();
    let epoch: DateTime<Utc> = DateTime::UNIX_EPOCH;
    let subs = b
        .subdistricts
        .into_iter()
        .map(|s| Subdistrict { id: -s.id, ..s })
        .collect();
    let grids = b
        .grids
        .into_iter()
        .map(|g| Grid {
            id: -g.local_id,
            subdistrict_id: -g.subdistrict_id,
            draft: GridDraft {
                parent_id: g.draft.parent_id.map(|p| -p),
                ..g.draft
            },
            version: 1,
            created_at: epoch,
            updated_at: epoch,
        })
        .collect();
    (subs, grids)
}

/// `n` pseudo-random points uniformly over `r` (degrees), the same for the same seed.
pub fn points(r: Rect, n: usize, seed: u64) -> Vec<Coord> {
    (0..n as u64)
        .map(|k| {
            let h = mix(seed, k, 3);
            Coord {
                x: r.min().x + r.width() * (unit(h) + 0.5),
                y: r.min().y + r.height() * (unit(mix64(h)) + 0.5),
            }
        })
        .collect()
}

/// SplitMix64 finaliser.
fn mix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn mix(a: u64, b: u64, c: u64) -> u64 {
    mix64(mix64(mix64(a) ^ b.rotate_left(21)) ^ c.rotate_left(42))
}

/// A hash mapped to [-0.5, 0.5).
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64 - 0.5
}
