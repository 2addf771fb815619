//! Imports: GeoJSON files of subdistricts, grids, buildings and roads, and OSM PBF
//! extracts (buildings and roads). Each import is checked whole first; every bad
//! feature is reported (its index and reason), and nothing is stored unless all of
//! it is good. Real data is messy: numbers arrive as strings, tags are unknown,
//! features are clipped; the readers cope and say what they skipped.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use geo::{Geometry, LineString, MultiLineString};

use crate::domain::change::{ImportBatch, ImportGrid};
use crate::domain::code;
use crate::domain::geometry::{self, Limits};
use crate::domain::grid::{self, GridProps, SubdistrictId, TreeView};
use crate::domain::reference::{self, Building, Road};
use crate::domain::subdistrict::Subdistrict;
use crate::error::{Error, FieldError, Result};

/// Reports progress of long work: `(stage, done, total)`.
pub type Progress<'a> = &'a (dyn Fn(&str, usize, usize) + Sync);

/// No progress output.
pub fn quiet(_: &str, _: usize, _: usize) {}

/// What kind of features a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Layer {
    /// An OpenStreetMap PBF extract: its buildings and roads.
    Osm,
    /// Subdistrict boundaries (`code`, `name`).
    Subdistrict,
    /// Grids (`code`, `name`, `level`, `parent_code`, `households`, `kind`).
    Grids,
    /// Building footprints (`building`, `building:levels`, `name`, `households`).
    Buildings,
    /// Road centre lines (`highway`, `name`).
    Roads,
}

/// Reads a GeoJSON file's features (a FeatureCollection, a Feature, or a bare
/// geometry).
pub fn read_features(path: &Path) -> Result<Vec<geojson::Feature>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::invalid("file", format!("cannot read {}: {e}", path.display())))?;
    parse_features(&text)
}

/// Parses GeoJSON text into features.
pub fn parse_features(text: &str) -> Result<Vec<geojson::Feature>> {
    let gj: geojson::GeoJson = text
        .parse()
        .map_err(|e| Error::invalid("file", format!("not GeoJSON: {e}")))?;
    Ok(match gj {
        geojson::GeoJson::FeatureCollection(fc) => fc.features,
        geojson::GeoJson::Feature(f) => vec![f],
        geojson::GeoJson::Geometry(g) => vec![geojson::Feature {
            geometry: Some(g),
            ..Default::default()
        }],
    })
}

fn props_value(f: &geojson::Feature) -> serde_json::Value {
    serde_json::Value::Object(f.properties.clone().unwrap_or_default())
}

fn prop_str(f: &geojson::Feature, k: &str) -> Option<String> {
    f.property(k).and_then(|v| match v {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// A text property, its control characters refused (the error names the feature's
/// property): both stores then refuse a NUL alike, before any write.
fn prop_text(
    f: &geojson::Feature,
    k: &str,
    at: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    let v = prop_str(f, k)?;
    match crate::domain::text::check_text(&format!("{at}properties.{k}"), &v, false) {
        Ok(()) => Some(v),
        Err(e) => {
            errors.push(e);
            None
        }
    }
}

/// The `osm_id` property, even when real data carries it as a string.
fn osm_id(f: &geojson::Feature) -> Option<i64> {
    f.property("osm_id")
        .and_then(grid::lenient_f64)
        .map(|x| x as i64)
}

fn fail_if(errors: Vec<FieldError>) -> Result<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}

/// Refuses the import when there are errors, each naming its feature by index and,
/// when it has one, by code or name (`features[12]` alone is hard to find in QGIS).
fn fail_naming(errors: Vec<FieldError>, features: &[geojson::Feature]) -> Result<()> {
    let named = errors
        .into_iter()
        .map(|mut e| {
            let index = e
                .field
                .strip_prefix("features[")
                .and_then(|r| r.split(']').next())
                .and_then(|n| n.parse::<usize>().ok());
            if let Some(f) = index.and_then(|i| features.get(i)) {
                e.feature = label(f);
            }
            e
        })
        .collect();
    fail_if(named)
}

/// Subdistricts from features with `code` (9 digits) and `name`.
pub fn subdistricts(
    features: &[geojson::Feature],
    existing_codes: &HashSet<String>,
) -> Result<ImportBatch> {
    let mut errors = Vec::new();
    let mut batch = ImportBatch::default();
    let mut seen = HashSet::new();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}].");
        let code = prop_str(f, "code").unwrap_or_default();
        if let Err(e) = code::check_subdistrict_code("properties.code", &code) {
            errors.push(e.under(&at));
        } else if existing_codes.contains(&code) || !seen.insert(code.clone()) {
            errors.push(FieldError::new(
                format!("{at}properties.code"),
                format!("subdistrict code {code} is already used"),
            ));
        }
        let name = prop_text(f, "name", &at, &mut errors).unwrap_or_default();
        if name.is_empty() {
            errors.push(FieldError::new(
                format!("{at}properties.name"),
                "must not be empty",
            ));
        }
        let geom = match &f.geometry {
            Some(g) => geometry::parse_area(
                "geometry",
                g,
                Limits {
                    max_vertices: 1_000_000,
                },
            )
            .map_err(|e| errors.extend(e.into_iter().map(|x| x.under(&at))))
            .ok(),
            None => {
                errors.push(FieldError::new(format!("{at}geometry"), "is required"));
                None
            }
        };
        if let Some(boundary) = geom {
            batch.subdistricts.push(Subdistrict {
                id: -1 - i as i64,
                code,
                name,
                boundary,
            });
        }
    }
    fail_naming(errors, features)?;
    Ok(batch)
}

/// What a feature's geometry repair changed (an import asked to repair).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct FeatureRepair {
    /// The feature's index in the file.
    pub index: usize,
    /// Its code or name, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feature: Option<String>,
    /// What changed.
    pub report: geometry::repair::RepairReport,
}

/// Repairs every feature's area geometry in place (self-intersections, spikes:
/// [`geometry::repair::repair_area`]; valid geometries are left exactly as they are)
/// and reports each feature it changed. A geometry that cannot be repaired is
/// refused as the import would refuse it, naming the feature and the coordinate.
pub fn repair_features(
    features: &mut [geojson::Feature],
    limits: Limits,
) -> Result<Vec<FeatureRepair>> {
    let mut repairs = Vec::new();
    let mut errors = Vec::new();
    for (i, f) in features.iter_mut().enumerate() {
        let Some(g) = &f.geometry else { continue };
        if !matches!(
            g.value,
            geojson::GeometryValue::Polygon { .. } | geojson::GeometryValue::MultiPolygon { .. }
        ) {
            continue;
        }
        match geometry::repair::repair_area("geometry", g, limits) {
            Ok((_, report)) if !report.changed => {}
            Ok((fixed, report)) => {
                f.geometry = Some(geojson::Geometry::new((&fixed).into()));
                repairs.push(FeatureRepair {
                    index: i,
                    feature: label(f),
                    report,
                });
            }
            Err(es) => errors.extend(es.into_iter().map(|e| e.under(&format!("features[{i}].")))),
        }
    }
    fail_naming(errors, features)?;
    Ok(repairs)
}

/// Every feature's geometry parsed and checked — the expensive part of a grid
/// import, done before it takes the write lock (on a blocking thread when served).
#[derive(Debug, Default)]
pub struct Parsed {
    geometries: Vec<Option<std::result::Result<Geometry, Vec<FieldError>>>>,
}

/// A feature's code or name, to name it in errors and reports beside its index.
pub fn label(f: &geojson::Feature) -> Option<String> {
    prop_str(f, "code")
        .map(|c| format!("code {c}"))
        .or_else(|| prop_str(f, "name").map(|n| format!("name {n}")))
}

/// Parses and checks every feature's geometry (phase one of [`grids`]).
pub fn parse_geometries(
    features: &[geojson::Feature],
    limits: Limits,
    progress: Progress<'_>,
) -> Parsed {
    let mut out = Parsed::default();
    for (i, f) in features.iter().enumerate() {
        out.geometries.push(
            f.geometry
                .as_ref()
                .map(|g| geometry::parse_area("geometry", g, limits)),
        );
        if i % 1000 == 999 {
            progress("checking geometries", i + 1, features.len());
        }
    }
    out
}

/// Grids from features; parents are named by `parent_code` (or `parent_id`) and may
/// be in the same file or already stored. Levels, code prefixes and uniqueness are
/// checked against both.
pub fn grids(
    features: &[geojson::Feature],
    tree: &dyn TreeView,
    subdistrict: Option<SubdistrictId>,
    limits: Limits,
    progress: Progress<'_>,
) -> Result<ImportBatch> {
    let parsed = parse_geometries(features, limits, progress);
    grids_parsed(features, parsed, tree, subdistrict)
}

/// [`grids`] with the geometries parsed beforehand ([`parse_geometries`]): only the
/// cheap checks against the tree are left, for under the write lock.
pub fn grids_parsed(
    features: &[geojson::Feature],
    parsed: Parsed,
    tree: &dyn TreeView,
    subdistrict: Option<SubdistrictId>,
) -> Result<ImportBatch> {
    let mut errors = Vec::new();
    let mut checked = Vec::with_capacity(features.len());
    let mut geometries = parsed.geometries.into_iter();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}].");
        let geometry = geometries.next().flatten();
        let props: GridProps = match serde_json::from_value(props_value(f)) {
            Ok(p) => p,
            Err(e) => {
                errors.push(FieldError::new(format!("{at}properties"), e.to_string()));
                continue;
            }
        };
        match grid::check_fields_parsed(&props, geometry) {
            Ok(c) => checked.push((i, c)),
            Err(es) => errors.extend(es.into_iter().map(|e| e.under(&at))),
        }
    }
    // Codes in this file, for parents imported alongside their children.
    let mut in_file: HashMap<(SubdistrictId, String), (i64, u8)> = HashMap::new();
    let sid_of = |c: &grid::CheckedGrid| {
        c.subdistrict_id
            .or(subdistrict)
            .or_else(|| tree.sole_subdistrict())
    };
    for (i, c) in &checked {
        let Some(sid) = sid_of(c) else { continue };
        let key = (sid, c.draft.code.clone());
        if in_file
            .insert(key, (-1 - *i as i64, c.draft.level))
            .is_some()
        {
            errors.push(FieldError::new(
                format!("features[{i}].properties.code"),
                format!("code {} appears more than once in the file", c.draft.code),
            ));
        }
    }
    let by_index: HashMap<usize, &grid::CheckedGrid> =
        checked.iter().map(|(i, c)| (*i, c)).collect();
    let mut batch = ImportBatch::default();
    for (i, c) in &checked {
        let at = format!("features[{i}].properties.");
        let Some(sid) = sid_of(c) else {
            errors.push(FieldError::new(
                format!("{at}subdistrict_id"),
                "is required when the store holds several subdistricts (or pass --subdistrict)",
            ));
            continue;
        };
        let Some(scode) = tree.subdistrict_code(sid) else {
            errors.push(FieldError::new(
                format!("{at}subdistrict_id"),
                format!("no subdistrict has id {sid}"),
            ));
            continue;
        };
        let d = &c.draft;
        if tree.grid_by_code(sid, &d.code).is_some() {
            errors.push(FieldError::new(
                format!("{at}code"),
                format!("code {} is already stored", d.code),
            ));
        }
        // The parent: by id (stored), by code (stored or in this file), or by the code's prefix.
        let parent_code = c.parent_code.clone().or_else(|| {
            (d.level > 1 && c.parent_id.is_none())
                .then(|| d.code[..d.code.len().saturating_sub(code::SEGMENT_LEN)].to_owned())
        });
        let (parent, parent_level, expected_prefix) = if let Some(pid) = c.parent_id {
            match tree.grid_facts(pid) {
                Some((psid, pl, pc)) if psid == sid => (Some(pid), Some(pl), pc),
                _ => {
                    errors.push(FieldError::new(
                        format!("{at}parent_id"),
                        format!("no grid {pid} in subdistrict {sid}"),
                    ));
                    continue;
                }
            }
        } else if let Some(pc) = parent_code.filter(|_| d.level > 1) {
            if let Some(pid) = tree.grid_by_code(sid, &pc) {
                let (_, pl, _) = tree.grid_facts(pid).unwrap_or((sid, 0, pc.clone()));
                (Some(pid), Some(pl), pc)
            } else if let Some((local, pl)) = in_file.get(&(sid, pc.clone())) {
                (Some(*local), Some(*pl), pc)
            } else {
                errors.push(FieldError::new(
                    format!("{at}parent_code"),
                    format!("no grid has code {pc:?}, in the store or in the file"),
                ));
                continue;
            }
        } else {
            (None, None, scode)
        };
        match parent_level {
            Some(pl) if d.level != pl + 1 => {
                errors.push(FieldError::new(
                    format!("{at}level"),
                    format!(
                        "must be the parent's level + 1 = {}, got {}",
                        pl + 1,
                        d.level
                    ),
                ));
                continue;
            }
            None if d.level != 1 => {
                errors.push(FieldError::new(
                    format!("{at}parent_code"),
                    format!("a level {} grid needs a parent", d.level),
                ));
                continue;
            }
            _ => {}
        }
        if let Err(e) =
            code::check_grid_code(&format!("{at}code"), &d.code, d.level, &expected_prefix)
        {
            errors.push(e);
            continue;
        }
        // The child must meet its parent: stored, in this file, or the subdistrict.
        let parent_area = match parent {
            Some(p) if p >= 0 => tree
                .grid_area(p)
                .map(|g| (g, format!("grid {expected_prefix}"))),
            Some(local) => usize::try_from(-1 - local)
                .ok()
                .and_then(|k| by_index.get(&k))
                .map(|c| (&c.draft.geometry, format!("grid {expected_prefix}"))),
            None => tree
                .subdistrict_area(sid)
                .map(|g| (g, format!("subdistrict {expected_prefix}"))),
        };
        if let Some((area, label)) = parent_area
            && let Err(e) = grid::check_meets_parent(d, area, &label)
        {
            errors.push(e.under(&format!("features[{i}].")));
            continue;
        }
        let mut draft = d.clone();
        draft.parent_id = parent;
        batch.grids.push(ImportGrid {
            local_id: -1 - *i as i64,
            subdistrict_id: sid,
            draft,
        });
    }
    fail_naming(errors, features)?;
    Ok(batch)
}

fn sole(tree: &dyn TreeView, subdistrict: Option<SubdistrictId>) -> Result<SubdistrictId> {
    match subdistrict {
        Some(s) if tree.subdistrict_code(s).is_some() => Ok(s),
        Some(s) => Err(Error::invalid(
            "subdistrict",
            format!("no subdistrict has id {s}"),
        )),
        None => tree.sole_subdistrict().ok_or_else(|| {
            Error::invalid(
                "subdistrict",
                "import a subdistrict first, or name one with --subdistrict when there are several",
            )
        }),
    }
}

/// Buildings from polygon features. Levels come from `building:levels` (or
/// `levels`), households from `households` or the documented estimate.
pub fn buildings(
    features: &[geojson::Feature],
    tree: &dyn TreeView,
    subdistrict: Option<SubdistrictId>,
) -> Result<ImportBatch> {
    let sid = sole(tree, subdistrict)?;
    let mut errors = Vec::new();
    let mut batch = ImportBatch::default();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}].");
        let Some(g) = &f.geometry else {
            errors.push(FieldError::new(format!("{at}geometry"), "is required"));
            continue;
        };
        let footprint = match geometry::parse_area("geometry", g, Limits::default()) {
            Ok(fp) => fp,
            Err(es) => {
                errors.extend(es.into_iter().map(|e| e.under(&at)));
                continue;
            }
        };
        let usage = ["building", "usage", "use"]
            .iter()
            .find(|k| f.property(k).is_some())
            .and_then(|k| prop_text(f, k, &at, &mut errors))
            .unwrap_or_else(|| "yes".into());
        let levels = reference::parse_levels(
            f.property("building:levels")
                .or_else(|| f.property("levels")),
        );
        let households = f
            .property("households")
            .and_then(grid::lenient_f64)
            .map(|h| h.max(0.0) as i32)
            .unwrap_or_else(|| reference::estimate_households(&footprint, levels, &usage));
        batch.buildings.push(Building {
            id: 0,
            subdistrict_id: sid,
            osm_id: osm_id(f),
            name: prop_text(f, "name", &at, &mut errors),
            usage: reference::intern_usage(&usage),
            levels,
            households,
            footprint,
        });
    }
    fail_naming(errors, features)?;
    Ok(batch)
}

/// Roads from line features (`highway`, `name`); other geometry types are refused.
pub fn roads(
    features: &[geojson::Feature],
    tree: &dyn TreeView,
    subdistrict: Option<SubdistrictId>,
) -> Result<ImportBatch> {
    let sid = sole(tree, subdistrict)?;
    let mut errors = Vec::new();
    let mut batch = ImportBatch::default();
    for (i, f) in features.iter().enumerate() {
        let at = format!("features[{i}].geometry");
        let line: Option<Geometry> = match f.geometry.as_ref().map(|g| &g.value) {
            Some(
                geojson::GeometryValue::LineString { .. }
                | geojson::GeometryValue::MultiLineString { .. },
            ) => f
                .geometry
                .as_ref()
                .and_then(|g| Geometry::<f64>::try_from(g.value.clone()).ok()),
            _ => None,
        };
        let Some(line) = line else {
            errors.push(FieldError::new(
                at,
                "a road must be a LineString or MultiLineString",
            ));
            continue;
        };
        if let Some(bad) = line_coords(&line).find(|c| {
            !(c.x.is_finite()
                && c.y.is_finite()
                && (-180.0..=180.0).contains(&c.x)
                && (-90.0..=90.0).contains(&c.y))
        }) {
            errors.push(FieldError::at(
                at,
                "coordinate out of range",
                [bad.x, bad.y],
            ));
            continue;
        }
        batch.roads.push(Road {
            id: 0,
            subdistrict_id: sid,
            osm_id: osm_id(f),
            name: prop_text(f, "name", &at, &mut errors),
            highway: prop_text(f, "highway", &at, &mut errors).unwrap_or_else(|| "road".into()),
            line,
        });
    }
    fail_naming(errors, features)?;
    Ok(batch)
}

fn line_coords(g: &Geometry) -> Box<dyn Iterator<Item = geo::Coord> + '_> {
    match g {
        Geometry::LineString(l) => Box::new(l.0.iter().copied()),
        Geometry::MultiLineString(m) => Box::new(m.0.iter().flat_map(|l| l.0.iter().copied())),
        _ => Box::new(std::iter::empty()),
    }
}

/// What an OSM import skipped.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct OsmSkipped {
    /// Building ways whose ring was cut by the extract's edge.
    pub clipped_buildings: usize,
    /// Building ways that are not valid polygons.
    pub invalid_buildings: usize,
    /// Multipolygon relations (not assembled by this importer).
    pub relations: usize,
}

/// Buildings (closed `building=*` ways) and roads (`highway=*` ways) from an OSM
/// PBF extract. Ways cut by the extract's edge keep the nodes that exist; a building
/// whose ring is no longer closed is skipped and counted.
pub fn osm(
    path: &Path,
    tree: &dyn TreeView,
    subdistrict: Option<SubdistrictId>,
    progress: Progress<'_>,
) -> Result<(ImportBatch, OsmSkipped)> {
    use osmpbf::{Element, ElementReader};
    let sid = sole(tree, subdistrict)?;
    let reader = ElementReader::from_path(path)
        .map_err(|e| Error::invalid("file", format!("cannot open {}: {e}", path.display())))?;
    let mut nodes: HashMap<i64, geo::Coord> = HashMap::new();
    struct Way {
        id: i64,
        refs: Vec<i64>,
        tags: HashMap<String, String>,
    }
    let mut ways: Vec<Way> = Vec::new();
    let mut skipped = OsmSkipped::default();
    let mut seen = 0usize;
    reader
        .for_each(|el| {
            seen += 1;
            if seen.is_multiple_of(200_000) {
                progress("reading OSM", seen, 0);
            }
            match el {
                Element::Node(n) => {
                    nodes.insert(n.id(), geo::coord! { x: n.lon(), y: n.lat() });
                }
                Element::DenseNode(n) => {
                    nodes.insert(n.id(), geo::coord! { x: n.lon(), y: n.lat() });
                }
                Element::Way(w) => {
                    // Outside data: control characters (a NUL no store can hold
                    // alike) are dropped from tags, not refused.
                    let tags: HashMap<String, String> = w
                        .tags()
                        .map(|(k, v)| {
                            (
                                k.to_owned(),
                                v.chars().filter(|c| !c.is_control()).collect(),
                            )
                        })
                        .collect();
                    if tags.contains_key("building") || tags.contains_key("highway") {
                        ways.push(Way {
                            id: w.id(),
                            refs: w.refs().collect(),
                            tags,
                        });
                    }
                }
                Element::Relation(r) => {
                    if r.tags().any(|(k, _)| k == "building") {
                        skipped.relations += 1;
                    }
                }
            }
        })
        .map_err(|e| Error::invalid("file", format!("not a readable OSM PBF file: {e}")))?;
    let mut batch = ImportBatch::default();
    for w in &ways {
        let coords: Vec<geo::Coord> = w
            .refs
            .iter()
            .filter_map(|r| nodes.get(r).copied())
            .collect();
        if let Some(usage) = w.tags.get("building") {
            let complete = coords.len() == w.refs.len();
            if !complete || coords.len() < 4 || coords.first() != coords.last() {
                skipped.clipped_buildings += 1;
                continue;
            }
            let footprint = Geometry::Polygon(geo::Polygon::new(LineString(coords), vec![]));
            if !geo::Validation::is_valid(&footprint) {
                skipped.invalid_buildings += 1;
                continue;
            }
            let levels = reference::parse_levels(
                w.tags
                    .get("building:levels")
                    .map(|s| serde_json::Value::String(s.clone()))
                    .as_ref(),
            );
            batch.buildings.push(Building {
                id: 0,
                subdistrict_id: sid,
                osm_id: Some(w.id),
                name: w.tags.get("name").cloned(),
                usage: reference::intern_usage(usage),
                levels,
                households: reference::estimate_households(&footprint, levels, usage),
                footprint,
            });
        } else if let Some(highway) = w.tags.get("highway") {
            // Split where nodes are missing so a clipped road does not jump across the gap.
            let mut parts: Vec<LineString> = Vec::new();
            let mut cur = Vec::new();
            for r in &w.refs {
                match nodes.get(r) {
                    Some(c) => cur.push(*c),
                    None => {
                        if cur.len() >= 2 {
                            parts.push(LineString(std::mem::take(&mut cur)));
                        }
                        cur.clear();
                    }
                }
            }
            if cur.len() >= 2 {
                parts.push(LineString(cur));
            }
            let line = match parts.len() {
                0 => continue,
                1 => Geometry::LineString(parts.remove(0)),
                _ => Geometry::MultiLineString(MultiLineString(parts)),
            };
            batch.roads.push(Road {
                id: 0,
                subdistrict_id: sid,
                osm_id: Some(w.id),
                name: w.tags.get("name").cloned(),
                highway: highway.clone(),
                line,
            });
        }
    }
    Ok((batch, skipped))
}

/// Reads a file of features: a GeoPackage (by its SQLite header) or GeoJSON.
pub async fn read_any(path: &Path, layer: Option<&str>) -> Result<Vec<geojson::Feature>> {
    let mut head = [0u8; 16];
    let is_sqlite = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && &head == b"SQLite format 3\0";
    if is_sqlite {
        crate::store::read_gpkg_features(path, layer).await
    } else {
        read_features(path)
    }
}

/// Makes features children of `parent` (a grid; `None` = level 1 grids of the
/// subdistrict): each gets the level and parent; a feature without a code gets the
/// next free sequence under the parent, numbered in reading order; one without a
/// name gets "<parent name> 第N网格", N being its code's sequence. Codes given in the file are kept (and checked
/// later like any other).
pub fn adopt(
    features: &mut [geojson::Feature],
    atlas: &crate::index::Atlas,
    subdistrict: SubdistrictId,
    parent: Option<grid::GridId>,
) -> Result<()> {
    use geo::InteriorPoint;
    let (pcode, pname, level, siblings): (String, String, u8, Vec<String>) = match parent {
        Some(p) => {
            let g = atlas
                .grid(p)
                .ok_or_else(|| Error::NotFound(format!("grid {p}")))?;
            let d = &g.grid.draft;
            if d.level >= code::MAX_LEVEL {
                return Err(Error::invalid(
                    "parent",
                    format!("a level {} grid cannot have children", d.level),
                ));
            }
            let sib = atlas
                .children(p)
                .iter()
                .map(|c| c.grid.draft.code.clone())
                .collect();
            (d.code.clone(), d.name.clone(), d.level + 1, sib)
        }
        None => {
            let s = atlas
                .subdistrict(subdistrict)
                .ok_or_else(|| Error::NotFound(format!("subdistrict {subdistrict}")))?;
            let sib = atlas
                .grids(Some(subdistrict), Some(1), None, None)
                .iter()
                .map(|g| g.grid.draft.code.clone())
                .collect();
            (s.code.clone(), s.name.clone(), 1, sib)
        }
    };
    let mut taken: HashSet<String> = siblings.into_iter().collect();
    for f in features.iter() {
        if let Some(c) = prop_str(f, "code") {
            taken.insert(c);
        }
    }
    let needs: Vec<usize> = (0..features.len())
        .filter(|&i| prop_str(&features[i], "code").is_none())
        .collect();
    let points: Vec<(f64, f64)> = needs
        .iter()
        .map(|&i| {
            features[i]
                .geometry
                .as_ref()
                .and_then(|g| Geometry::<f64>::try_from(g.value.clone()).ok())
                .and_then(|g| g.interior_point())
                .map_or((0.0, 0.0), |p| (p.x(), p.y()))
        })
        .collect();
    let order = code::reading_order(&points, 0.0005);
    let mut seq = 0u32;
    for k in order {
        let i = needs[k];
        let next = loop {
            seq += 1;
            let c = code::child_code(&pcode, seq).map_err(|e| Error::conflict("code", e))?;
            if !taken.contains(&c) {
                break c;
            }
        };
        taken.insert(next.clone());
        features[i].set_property("code", next);
    }
    for (n, f) in features.iter_mut().enumerate() {
        f.set_property("level", level);
        match parent {
            Some(p) => f.set_property("parent_id", p),
            None => {
                f.set_property("subdistrict_id", subdistrict);
                if let Some(props) = f.properties.as_mut() {
                    props.remove("parent_id");
                    props.remove("parent_code");
                }
            }
        }
        if parent.is_some()
            && let Some(props) = f.properties.as_mut()
        {
            props.remove("parent_code");
        }
        if prop_str(f, "name").is_none() {
            // Named after its sequence among the parent's children, so names stay
            // distinct across imports.
            let seq = prop_str(f, "code")
                .and_then(|c| code::sequence(&c))
                .unwrap_or(n as u32 + 1);
            f.set_property("name", format!("{pname} 第{seq}网格"));
        }
    }
    Ok(())
}
