//! Seeded walks for tests and benchmarks: a grid worker walking the streets of a
//! grid at walking speed, a fix every few seconds with a little GPS noise; and a
//! "teleport" fix (a jump no walker makes).
//!
//! The same seed gives the same walk, bit for bit (the crate's xorshift64*
//! generator, [`crate::fuzzing::Rng`]). Distances are taken in the local metric
//! frame at the walk's start ([`LocalFrame`]).
//!
//! The street network is the roads' polylines joined where they share a vertex
//! (exactly equal coordinates). At each junction the walker takes a street whose
//! far end lies in the grid when there is one (else any), never straight back
//! unless it is a dead end.

use std::collections::HashMap;

use geo::{Contains, Coord, LineString, Point, Polygon};

use super::fix::Fix;
use super::{AccountId, Millis};
use crate::domain::frame::LocalFrame;
use crate::fuzzing::Rng;

/// How a walk goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WalkSpec {
    /// The grid worker.
    pub worker: AccountId,
    /// The first fix's time, ms.
    pub start_ms: Millis,
    /// How long the walk lasts, ms (the last fix is at or before its end).
    pub duration_ms: Millis,
    /// Time between fixes, ms (default 10 s).
    pub interval_ms: Millis,
    /// Walking speed, m/s (default 1.2).
    pub speed_mps: f64,
    /// Standard deviation of the noise added to each fix east and north, metres
    /// (default 3). 0: fixes exactly on the street.
    pub noise_m: f64,
    /// Accuracy written into each fix, metres (default 5).
    pub accuracy_m: f64,
    /// The seed.
    pub seed: u64,
}

impl Default for WalkSpec {
    fn default() -> Self {
        Self {
            worker: 1,
            start_ms: 0,
            duration_ms: 30 * 60_000,
            interval_ms: 10_000,
            speed_mps: 1.2,
            noise_m: 3.0,
            accuracy_m: 5.0,
            seed: 1,
        }
    }
}

/// A uniform number in [0, 1).
fn unit(rng: &mut Rng) -> f64 {
    (rng.bits() >> 11) as f64 / (1u64 << 53) as f64
}

/// Two independent normal deviates of standard deviation `sigma` (Box–Muller).
fn normal_pair(rng: &mut Rng, sigma: f64) -> (f64, f64) {
    let u1 = 1.0 - unit(rng); // (0, 1]
    let u2 = unit(rng);
    let r = sigma * (-2.0 * u1.ln()).sqrt();
    let a = std::f64::consts::TAU * u2;
    (r * a.cos(), r * a.sin())
}

/// Walks a path (degrees) from its first vertex at the spec's speed, a fix every
/// interval, noise added; stops at the path's end or the walk's duration. A path
/// of fewer than two vertices gives one fix (standing still) when it has one.
pub fn walk_path(path: &[Coord], spec: &WalkSpec) -> Vec<Fix> {
    let Some(&first) = path.first() else {
        return Vec::new();
    };
    let frame = LocalFrame::new(first);
    let pts: Vec<Coord> = path.iter().map(|&c| frame.to_metres(c)).collect();
    let mut rng = Rng::new(spec.seed ^ 0x005e_ed0f_3a11);
    let interval = spec.interval_ms.max(1);
    let mut out = Vec::new();
    let mut seg = 0usize;
    // Distance walked along pts[seg]..pts[seg + 1] at the current fix.
    let mut along = 0.0;
    let step = spec.speed_mps * interval as f64 / 1000.0;
    let mut t = 0;
    loop {
        let here = if seg + 1 < pts.len() {
            let (a, b) = (pts[seg], pts[seg + 1]);
            let len = (b.x - a.x).hypot(b.y - a.y);
            let k = if len > 0.0 { along / len } else { 0.0 };
            Coord {
                x: a.x + (b.x - a.x) * k,
                y: a.y + (b.y - a.y) * k,
            }
        } else {
            pts[pts.len() - 1]
        };
        let (nx, ny) = if spec.noise_m > 0.0 {
            normal_pair(&mut rng, spec.noise_m)
        } else {
            (0.0, 0.0)
        };
        out.push(Fix {
            worker: spec.worker,
            time_ms: spec.start_ms + t,
            pos: frame.to_degrees(Coord {
                x: here.x + nx,
                y: here.y + ny,
            }),
            accuracy_m: Some(spec.accuracy_m),
            speed_mps: Some(spec.speed_mps),
        });
        if seg + 1 >= pts.len() || t + interval > spec.duration_ms {
            break;
        }
        t += interval;
        along += step;
        while seg + 1 < pts.len() {
            let (a, b) = (pts[seg], pts[seg + 1]);
            let len = (b.x - a.x).hypot(b.y - a.y);
            if along <= len {
                break;
            }
            along -= len;
            seg += 1;
        }
        if seg + 1 >= pts.len() {
            // Walked off the end: the last fix is at the path's end.
            out.push(Fix {
                worker: spec.worker,
                time_ms: spec.start_ms + t,
                pos: frame.to_degrees(pts[pts.len() - 1]),
                accuracy_m: Some(spec.accuracy_m),
                speed_mps: Some(spec.speed_mps),
            });
            break;
        }
    }
    out
}

/// The street network: vertices shared by polylines are junctions.
#[derive(Debug, Clone, Default)]
pub struct Network {
    nodes: Vec<Coord>,
    next: Vec<Vec<usize>>,
}

impl Network {
    /// Joins polylines (degrees) where they share a vertex.
    pub fn new(lines: &[LineString]) -> Self {
        let mut id: HashMap<(u64, u64), usize> = HashMap::new();
        let mut net = Network::default();
        for l in lines {
            let mut prev: Option<usize> = None;
            for c in l.coords() {
                let key = (c.x.to_bits(), c.y.to_bits());
                let n = *id.entry(key).or_insert_with(|| {
                    net.nodes.push(*c);
                    net.next.push(Vec::new());
                    net.nodes.len() - 1
                });
                if let Some(p) = prev
                    && p != n
                {
                    if !net.next[p].contains(&n) {
                        net.next[p].push(n);
                    }
                    if !net.next[n].contains(&p) {
                        net.next[n].push(p);
                    }
                }
                prev = Some(n);
            }
        }
        net
    }

    /// Its vertices (degrees).
    pub fn nodes(&self) -> &[Coord] {
        &self.nodes
    }

    /// Vertices.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether it has no vertex.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// A seeded route of at least `metres` through the network, starting at a
    /// vertex inside `area` (see the module's documentation). Empty when no street
    /// vertex lies in the area.
    pub fn route(&self, area: &Polygon, metres: f64, seed: u64) -> Vec<Coord> {
        let inside: Vec<bool> = self
            .nodes
            .iter()
            .map(|&c| area.contains(&Point::from(c)))
            .collect();
        let starts: Vec<usize> = (0..self.nodes.len()).filter(|&i| inside[i]).collect();
        if starts.is_empty() {
            return Vec::new();
        }
        let mut rng = Rng::new(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let frame = LocalFrame::new(self.nodes[starts[0]]);
        let mut at = starts[rng.below(starts.len())];
        let mut from: Option<usize> = None;
        let mut route = vec![self.nodes[at]];
        let mut walked = 0.0;
        // Bounded: a network without edges (or a tiny one) cannot loop forever.
        let mut left = 1_000_000usize;
        let mut options: Vec<usize> = Vec::new();
        while walked < metres && left > 0 {
            left -= 1;
            let next = &self.next[at];
            if next.is_empty() {
                break;
            }
            options.clear();
            options.extend(
                next.iter()
                    .copied()
                    .filter(|&n| Some(n) != from && inside[n]),
            );
            if options.is_empty() {
                options.extend(next.iter().copied().filter(|&n| Some(n) != from));
            }
            if options.is_empty() {
                options.extend(next.iter().copied()); // a dead end: turn back
            }
            let n = options[rng.below(options.len())];
            walked += frame.distance_m(self.nodes[at], self.nodes[n]);
            route.push(self.nodes[n]);
            from = Some(at);
            at = n;
        }
        route
    }
}

/// A worker's walk along the streets of `area` for the spec's duration (see
/// [`Network::route`] and [`walk_path`]). Empty when no street vertex lies in it.
pub fn walk_streets(net: &Network, area: &Polygon, spec: &WalkSpec) -> Vec<Fix> {
    let metres = spec.speed_mps * spec.duration_ms as f64 / 1000.0 + 1.0;
    let route = net.route(area, metres, spec.seed);
    if route.is_empty() {
        return Vec::new();
    }
    walk_path(&route, spec)
}

/// A fix `east_m`/`north_m` metres from `fix`, `after_ms` later: with a few
/// kilometres in seconds, a jump no walker makes.
pub fn teleport(fix: &Fix, east_m: f64, north_m: f64, after_ms: Millis) -> Fix {
    let f = LocalFrame::new(fix.pos);
    Fix {
        time_ms: fix.time_ms + after_ms,
        pos: f.to_degrees(Coord {
            x: east_m,
            y: north_m,
        }),
        ..*fix
    }
}
