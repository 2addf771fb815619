//! Tilesets, their layers and zoom ranges, and rendering one tile from the atlas.
//!
//! | tileset | layers | zooms |
//! |---|---|---|
//! | `grids` | `grids_l1` … `grids_l5` (polygons), `grid_labels` (points) | L1 6–22, L2/L3 10–22, L4 14–22, L5 16–22; labels from L1 10, L2 13, L3 15, L4 17, L5 18 |
//! | `buildings` | `buildings` | 13–22 |
//! | `roads` | `roads` | 8–22; minor classes from 12, paths from 14 |
//! | `subdistrict` | `subdistrict` | 0–22 |
//!
//! New kinds (incidents, patrol tracks) become a tileset or a layer here: a
//! `LayerSpec` and a match arm in `render`.

use geo::{Intersects, Rect};
use gridd_tiles::{PropValue, TileBuilder, TileCoord};

use crate::index::Atlas;

/// A tileset: one source on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tileset {
    /// Grids of every level and their label points.
    Grids,
    /// Building footprints.
    Buildings,
    /// Road centre lines.
    Roads,
    /// The subdistrict boundary.
    Subdistrict,
}

impl Tileset {
    /// Every tileset.
    pub const ALL: [Tileset; 4] = [Self::Grids, Self::Buildings, Self::Roads, Self::Subdistrict];

    /// The URL name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Grids => "grids",
            Self::Buildings => "buildings",
            Self::Roads => "roads",
            Self::Subdistrict => "subdistrict",
        }
    }

    /// Parses the URL name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == s)
    }

    /// Zoom range of the tileset (the union of its layers').
    pub fn zooms(self) -> (u8, u8) {
        let layers = LAYERS.iter().filter(|l| l.tileset == self);
        let min = layers.clone().map(|l| l.minzoom).min().unwrap_or(0);
        let max = layers.map(|l| l.maxzoom).max().unwrap_or(super::MAX_ZOOM);
        (min, max)
    }
}

/// One layer of a tileset, as TileJSON's `vector_layers` describes it.
#[derive(Debug, Clone, Copy)]
pub struct LayerSpec {
    /// The tileset it belongs to.
    pub tileset: Tileset,
    /// Layer name in the tile.
    pub id: &'static str,
    /// Shortest zoom that carries it.
    pub minzoom: u8,
    /// Deepest zoom that carries it.
    pub maxzoom: u8,
    /// Attribute names and their types (TileJSON `fields`).
    pub fields: &'static [(&'static str, &'static str)],
    /// What the layer shows.
    pub description: &'static str,
}

const GRID_FIELDS: &[(&str, &str)] = &[
    ("id", "Number"),
    ("code", "String"),
    ("name", "String"),
    ("level", "Number"),
    ("parent_id", "Number"),
    ("households", "Number"),
    ("kind", "String"),
    ("version", "Number"),
];

/// Every layer of every tileset.
pub const LAYERS: &[LayerSpec] = &[
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grids_l1",
        minzoom: 6,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "level 1 grids (communities)",
    },
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grids_l2",
        minzoom: 10,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "level 2 grids (blocks, compounds)",
    },
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grids_l3",
        minzoom: 10,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "level 3 grids (building groups)",
    },
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grids_l4",
        minzoom: 14,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "level 4 grids (floors, shops)",
    },
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grids_l5",
        minzoom: 16,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "level 5 grids (counters)",
    },
    LayerSpec {
        tileset: Tileset::Grids,
        id: "grid_labels",
        minzoom: 10,
        maxzoom: 22,
        fields: GRID_FIELDS,
        description: "a label point inside each grid (L1 from z10, L2 z13, L3 z15, L4 z17, L5 z18)",
    },
    LayerSpec {
        tileset: Tileset::Buildings,
        id: "buildings",
        minzoom: 13,
        maxzoom: 22,
        fields: &[
            ("id", "Number"),
            ("usage", "String"),
            ("levels", "Number"),
            ("households", "Number"),
            ("name", "String"),
        ],
        description: "building footprints with estimated households",
    },
    LayerSpec {
        tileset: Tileset::Roads,
        id: "roads",
        minzoom: 8,
        maxzoom: 22,
        fields: &[
            ("id", "Number"),
            ("highway", "String"),
            ("class", "String"),
            ("name", "String"),
        ],
        description: "roads; class major (z8+), minor (z12+), path (z14+)",
    },
    LayerSpec {
        tileset: Tileset::Subdistrict,
        id: "subdistrict",
        minzoom: 0,
        maxzoom: 22,
        fields: &[("id", "Number"), ("code", "String"), ("name", "String")],
        description: "the subdistrict boundary",
    },
];

fn layer(id: &str) -> &'static LayerSpec {
    LAYERS.iter().find(|l| l.id == id).unwrap_or(&LAYERS[0])
}

fn label_minzoom(level: u8) -> u8 {
    match level {
        1 => 10,
        2 => 13,
        3 => 15,
        4 => 17,
        _ => 18,
    }
}

/// Road class by OSM highway value: what zooms show it.
pub fn road_class(highway: &str) -> (&'static str, u8) {
    match highway.trim_end_matches("_link") {
        "motorway" | "trunk" | "primary" | "secondary" => ("major", 8),
        "tertiary" | "residential" | "unclassified" | "living_street" | "service"
        | "pedestrian" | "road" => ("minor", 12),
        _ => ("path", 14),
    }
}

/// The tile's area in degrees, widened by the buffer, for the R-tree queries.
fn query_box(coord: TileCoord) -> Rect {
    let r = coord.bounds_mercator();
    let pad =
        r.width() * f64::from(gridd_tiles::DEFAULT_BUFFER) / f64::from(gridd_tiles::DEFAULT_EXTENT);
    let min =
        gridd_tiles::mercator_to_lonlat(geo::coord! { x: r.min().x - pad, y: r.min().y - pad });
    let max =
        gridd_tiles::mercator_to_lonlat(geo::coord! { x: r.max().x + pad, y: r.max().y + pad });
    Rect::new(min, max)
}

fn has_holes(g: &geo::Geometry) -> bool {
    match g {
        geo::Geometry::Polygon(p) => !p.interiors().is_empty(),
        geo::Geometry::MultiPolygon(mp) => mp.0.iter().any(|p| !p.interiors().is_empty()),
        _ => true,
    }
}

/// Renders one tile of a tileset from the atlas: uncompressed MVT bytes, empty when
/// nothing falls in the tile.
pub fn render(atlas: &Atlas, set: Tileset, coord: TileCoord) -> Vec<u8> {
    let (minz, maxz) = set.zooms();
    if coord.z < minz || coord.z > maxz {
        return Vec::new();
    }
    let mut b = TileBuilder::new(coord);
    let q = query_box(coord);
    let projected = atlas.projected();
    match set {
        Tileset::Grids => {
            const NAMES: [&str; 5] = ["grids_l1", "grids_l2", "grids_l3", "grids_l4", "grids_l5"];
            let mut level_layers = [None; 5];
            for (slot, name) in level_layers.iter_mut().zip(NAMES) {
                if coord.z >= layer(name).minzoom {
                    *slot = Some(b.layer(name));
                }
            }
            let labels = b.layer("grid_labels");
            // Level by level, ids ascending: a stable feature order that no R-tree
            // rebalancing changes (untouched tiles keep their bytes and ETag). Levels
            // the zoom does not show are not queried; bounding boxes only, the
            // builder clips. The R-tree entries carry the grids: no map lookups.
            let mut found = Vec::new();
            for (level, layer_id) in (1..=5u8).zip(level_layers) {
                let Some(layer_id) = layer_id else { continue };
                found.clear();
                found.extend(atlas.grids_meeting(level, q));
                found.sort_unstable_by_key(|(id, _)| *id);
                for (_, g) in &found {
                    let d = &g.grid.draft;
                    // A grid with holes may have the tile in a hole: its clipped
                    // exterior and hole would both fill the tile.
                    if has_holes(&d.geometry) && !d.geometry.intersects(&q) {
                        continue;
                    }
                    let p = &g.projected;
                    let props = [
                        ("id", PropValue::Int(g.grid.id)),
                        ("code", PropValue::Str(&d.code)),
                        ("name", PropValue::Str(&d.name)),
                        ("level", PropValue::UInt(u64::from(d.level))),
                        ("parent_id", PropValue::Int(d.parent_id.unwrap_or(0))),
                        (
                            "households",
                            PropValue::Int(atlas.households(g.grid.id).unwrap_or(0)),
                        ),
                        ("kind", PropValue::Str(d.kind.as_str())),
                        ("version", PropValue::Int(g.grid.version)),
                    ];
                    let fid = u64::try_from(g.grid.id).ok();
                    b.add_feature(layer_id, fid, &p.geometry, &props);
                    if coord.z >= label_minzoom(d.level)
                        && let Some(pt) = p.label()
                    {
                        b.add_feature(labels, fid, &geo::Geometry::Point(pt), &props);
                    }
                }
            }
        }
        Tileset::Buildings => {
            let l = b.layer("buildings");
            let mut found: Vec<_> = atlas.buildings_meeting(q).collect();
            found.sort_unstable_by_key(|(id, _)| *id);
            for (_, x) in found {
                // On the stack: city-scale tiles hold thousands of buildings.
                let props = [
                    ("id", PropValue::Int(x.id)),
                    ("usage", PropValue::Str(&x.usage)),
                    ("levels", PropValue::Double(x.levels)),
                    ("households", PropValue::Int(i64::from(x.households))),
                    (
                        "name",
                        PropValue::Str(x.name.as_deref().unwrap_or_default()),
                    ),
                ];
                let n = if x.name.is_some() { 5 } else { 4 };
                // Projected while drawing: the atlas keeps no Mercator copy of
                // buildings (memory, see `projected.rs`).
                b.add_feature_lonlat(l, u64::try_from(x.id).ok(), &x.footprint, &props[..n]);
            }
        }
        Tileset::Roads => {
            let l = b.layer("roads");
            let mut roads = atlas.roads_in(Some(q));
            roads.sort_by_key(|r| r.id);
            for x in roads {
                let (class, minzoom) = road_class(&x.highway);
                if coord.z < minzoom {
                    continue;
                }
                let Some(p) = projected.roads.get(&x.id) else {
                    continue;
                };
                let mut props = vec![
                    ("id", PropValue::Int(x.id)),
                    ("highway", PropValue::Str(&x.highway)),
                    ("class", PropValue::Str(class)),
                ];
                if let Some(n) = &x.name {
                    props.push(("name", PropValue::Str(n)));
                }
                b.add_feature(l, u64::try_from(x.id).ok(), &p.geometry, &props);
            }
        }
        Tileset::Subdistrict => {
            let l = b.layer("subdistrict");
            for s in atlas.subdistricts() {
                let Some(p) = projected.subdistricts.get(&s.id) else {
                    continue;
                };
                let props = [
                    ("id", PropValue::Int(s.id)),
                    ("code", PropValue::Str(&s.code)),
                    ("name", PropValue::Str(&s.name)),
                ];
                b.add_feature(l, u64::try_from(s.id).ok(), &p.geometry, &props);
            }
        }
    }
    if b.is_empty() { Vec::new() } else { b.finish() }
}
