//! Vector tiles from the in-memory atlas: the tilesets and their layers, rendering
//! through `gridd-tiles`, and a cache that an edit invalidates exactly where it
//! touched, at every zoom, before the edit's answer is sent.
//!
//! Cache consistency: the cache listens to the application's changes
//! ([`ChangeListener`]): after a commit swaps in a new atlas snapshot, the change's
//! boxes are invalidated, synchronously, before the write's answer is sent. A tile
//! reads the generation counter *before* taking its snapshot and is inserted only
//! if no invalidation happened since (checked and bumped under one small mutex), so
//! a tile rendered from the old snapshot can never be cached after the
//! invalidation. ETags are a stable hash of the tile's bytes (xxh3-64, the same on
//! every build and instance), so a re-rendered but unchanged tile keeps its ETag.

mod render;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use gridd_tiles::{TileCoord, tiles_covering_buffered};

pub use render::{LAYERS, LayerSpec, Tileset, render};

use crate::domain::change::{Change, ChangeListener};
use crate::index::Atlas;

/// Deepest zoom served.
pub const MAX_ZOOM: u8 = 22;

/// A rendered tile.
#[derive(Debug)]
pub struct Tile {
    /// Uncompressed MVT; empty when no feature falls in the tile.
    pub raw: Bytes,
    /// The same, gzip-compressed (compressed once, when cached).
    pub gzip: Bytes,
    /// Strong ETag: a hash of `raw`, quoted, ready to send.
    pub etag: axum::http::HeaderValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Key {
    set: Tileset,
    z: u8,
    x: u32,
    y: u32,
}

/// The tile cache.
pub struct TileCache {
    cache: Option<quick_cache::sync::Cache<Key, Arc<Tile>, Weigher>>,
    generation: AtomicU64,
    gate: parking_lot::Mutex<()>,
    /// Tiles rendered (cache misses), for statistics.
    rendered: AtomicU64,
}

#[derive(Clone)]
struct Weigher;

impl quick_cache::Weighter<Key, Arc<Tile>> for Weigher {
    fn weight(&self, _: &Key, t: &Arc<Tile>) -> u64 {
        (t.raw.len() + t.gzip.len() + 96) as u64
    }
}

impl TileCache {
    /// A cache holding at most `bytes` of tiles; 0 turns caching off.
    pub fn new(bytes: u64) -> Self {
        let cache = (bytes > 0).then(|| {
            let items = (bytes / 2048).max(64) as usize;
            quick_cache::sync::Cache::with_weighter(items, bytes, Weigher)
        });
        Self {
            cache,
            generation: AtomicU64::new(0),
            gate: parking_lot::Mutex::new(()),
            rendered: AtomicU64::new(0),
        }
    }

    /// The tile at `coord` of `set`, from the cache or rendered from the snapshot
    /// `atlas` gives. The snapshot is taken after the generation is read, so a tile
    /// rendered from a snapshot older than an invalidation is never cached.
    pub fn get(
        &self,
        atlas: impl FnOnce() -> Arc<Atlas>,
        set: Tileset,
        coord: TileCoord,
    ) -> Arc<Tile> {
        let key = Key {
            set,
            z: coord.z,
            x: coord.x,
            y: coord.y,
        };
        if let Some(t) = self.cache.as_ref().and_then(|c| c.get(&key)) {
            return t;
        }
        let generation = self.generation.load(Ordering::Acquire);
        let raw = render(&atlas(), set, coord);
        self.rendered.fetch_add(1, Ordering::Relaxed);
        let tile = Arc::new(finish(raw, self.cache.is_some()));
        if let Some(c) = &self.cache {
            let _g = self.gate.lock();
            if self.generation.load(Ordering::Acquire) == generation {
                c.insert(key, tile.clone());
            }
        }
        tile
    }

    /// Drops every cached tile, of every tileset and zoom, that meets one of the boxes
    /// (degrees), widened by the tile buffer.
    pub fn invalidate(&self, areas: &[geo::Rect]) {
        let _g = self.gate.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        let Some(c) = &self.cache else { return };
        if areas.is_empty() {
            return;
        }
        let ranges: Vec<_> = areas
            .iter()
            .flat_map(|r| {
                (0..=MAX_ZOOM).map(move |z| {
                    tiles_covering_buffered(
                        *r,
                        z,
                        gridd_tiles::DEFAULT_BUFFER,
                        gridd_tiles::DEFAULT_EXTENT,
                    )
                })
            })
            .collect();
        let total: u64 = ranges.iter().map(|r| r.count()).sum::<u64>() * Tileset::ALL.len() as u64;
        if total > c.len() as u64 * 4 {
            // Cheaper to scan the cache than to enumerate the covered tiles.
            c.retain(|k, _| {
                let t = TileCoord {
                    z: k.z,
                    x: k.x,
                    y: k.y,
                };
                !ranges.iter().any(|r| r.z() == k.z && r.contains(&t))
            });
        } else {
            for r in &ranges {
                for t in r.iter() {
                    for set in Tileset::ALL {
                        c.remove(&Key {
                            set,
                            z: t.z,
                            x: t.x,
                            y: t.y,
                        });
                    }
                }
            }
        }
    }

    /// Drops everything.
    pub fn clear(&self) {
        let _g = self.gate.lock();
        self.generation.fetch_add(1, Ordering::AcqRel);
        if let Some(c) = &self.cache {
            c.clear();
        }
    }

    /// How many tiles were rendered so far (cache misses).
    pub fn rendered(&self) -> u64 {
        self.rendered.load(Ordering::Relaxed)
    }

    /// Whether the cache is on.
    pub fn enabled(&self) -> bool {
        self.cache.is_some()
    }
}

impl ChangeListener for TileCache {
    fn changed(&self, change: &Change) {
        self.invalidate(&change.areas);
    }
}

/// The strong ETag of a tile's bytes: xxh3-64 is a specified algorithm (unlike
/// `std`'s `DefaultHasher`), so every build on every instance gives the same tag
/// for the same bytes and caches and CDNs in front of several instances agree.
pub fn etag(raw: &[u8]) -> String {
    format!("\"{:016x}\"", xxhash_rust::xxh3::xxh3_64(raw))
}

pub(crate) fn finish(raw: Vec<u8>, compress: bool) -> Tile {
    let etag = axum::http::HeaderValue::from_str(&etag(&raw))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"0\""));
    let gzip = if compress && !raw.is_empty() {
        gzip(&raw)
    } else {
        Bytes::new()
    };
    Tile {
        raw: Bytes::from(raw),
        gzip,
        etag,
    }
}

/// gzip at a fast level: tiles are small and compression must not dominate.
pub fn gzip(raw: &[u8]) -> Bytes {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 2),
        flate2::Compression::fast(),
    );
    if enc.write_all(raw).is_err() {
        return Bytes::new();
    }
    enc.finish().map(Bytes::from).unwrap_or_default()
}
