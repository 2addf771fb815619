//! Deterministic synthetic grids for tests and benches: a jittered lattice of adjacent
//! quadrilaterals, in Web Mercator metres. Neighbours share every vertex of their common
//! edge (two bent points per edge besides the corners), like a real grid tessellation.

use geo::{Coord, LineString, Polygon};
use gridd_tiles::TileCoord;

/// SplitMix64 finaliser: a fixed hash, so every run draws the same lattice.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A number in [-1, 1) drawn from `key`.
fn unit(key: u64) -> f64 {
    (mix(key) >> 11) as f64 / (1_u64 << 53) as f64 * 2.0 - 1.0
}

/// A lattice of `nx × ny` cells of side `cell` metres, south-west corner at `origin`.
#[derive(Debug, Clone, Copy)]
pub struct Lattice {
    /// South-west corner in Web Mercator metres.
    pub origin: Coord<f64>,
    /// Cell side in metres.
    pub cell: f64,
    /// Columns.
    pub nx: u32,
    /// Rows.
    pub ny: u32,
    /// Changes every jitter.
    pub seed: u64,
}

impl Lattice {
    /// About `n × n` cells covering `tile` plus a margin of one cell on each side, so that
    /// the grids on the tile edges get clipped.
    pub fn over_tile(tile: TileCoord, n: u32, seed: u64) -> Self {
        let b = tile.bounds_mercator();
        let cell = b.width() / f64::from(n);
        Self {
            origin: Coord {
                x: b.min().x - cell,
                y: b.min().y - cell,
            },
            cell,
            nx: n + 2,
            ny: n + 2,
            seed,
        }
    }

    fn key(&self, i: u32, j: u32, tag: u64) -> u64 {
        self.seed ^ (u64::from(i) << 40) ^ (u64::from(j) << 16) ^ tag
    }

    /// Jittered lattice point `(i, j)`, moved by up to 20 % of a cell on each axis.
    fn corner(&self, i: u32, j: u32) -> Coord<f64> {
        Coord {
            x: self.origin.x + (f64::from(i) + 0.2 * unit(self.key(i, j, 1))) * self.cell,
            y: self.origin.y + (f64::from(j) + 0.2 * unit(self.key(i, j, 2))) * self.cell,
        }
    }

    /// The two bent points of the edge leaving corner `(i, j)` eastwards (`east`) or
    /// northwards, in that direction.
    fn edge(&self, i: u32, j: u32, east: bool) -> [Coord<f64>; 2] {
        let a = self.corner(i, j);
        let b = if east {
            self.corner(i + 1, j)
        } else {
            self.corner(i, j + 1)
        };
        let tag = if east { 3 } else { 5 };
        let bend = |k: u64, f: f64| {
            let off = 0.08 * self.cell * unit(self.key(i, j, tag + 16 * k));
            let p = a + (b - a) * f;
            if east {
                Coord {
                    x: p.x,
                    y: p.y + off,
                }
            } else {
                Coord {
                    x: p.x + off,
                    y: p.y,
                }
            }
        };
        [bend(1, 1.0 / 3.0), bend(2, 2.0 / 3.0)]
    }

    /// Cell `(i, j)` as a closed ring, counter-clockwise in metres (y up).
    pub fn grid(&self, i: u32, j: u32) -> Polygon<f64> {
        let south = self.edge(i, j, true);
        let east = self.edge(i + 1, j, false);
        let north = self.edge(i, j + 1, true);
        let west = self.edge(i, j, false);
        let ring = vec![
            self.corner(i, j),
            south[0],
            south[1],
            self.corner(i + 1, j),
            east[0],
            east[1],
            self.corner(i + 1, j + 1),
            north[1],
            north[0],
            self.corner(i, j + 1),
            west[1],
            west[0],
            self.corner(i, j),
        ];
        Polygon::new(LineString::new(ring), vec![])
    }

    /// Every cell, row by row from the south-west, with its index as id.
    pub fn grids(&self) -> Vec<(u64, Polygon<f64>)> {
        (0..self.ny)
            .flat_map(|j| (0..self.nx).map(move |i| (i, j)))
            .map(|(i, j)| (u64::from(j * self.nx + i), self.grid(i, j)))
            .collect()
    }
}
