//! Parsing and validating geometries that come from outside (GeoJSON), and the
//! metric measures the domain needs (areas in m², never in degrees).
//!
//! Validation runs on the raw GeoJSON positions *before* conversion, because
//! `geo`'s constructors silently close open rings: an unclosed ring must be refused,
//! not repaired behind the user's back.

pub mod meet;
pub mod repair;
pub mod segments;
pub mod validate;
pub mod wkb;

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};

use crate::error::FieldError;
use validate::Invalid;

/// Bounds on input size.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most vertices in one geometry.
    pub max_vertices: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_vertices: 100_000,
        }
    }
}

/// Parses a GeoJSON geometry that must be a Polygon or MultiPolygon in EPSG:4326
/// (longitude, latitude in degrees) and checks it: finite numbers, ranges, closed
/// rings of at least four positions, no self-intersection, holes inside their shell,
/// bounded vertex count. Errors name `field` (e.g. `geometry`) and the coordinate.
///
/// # Examples
/// ```
/// let g: geojson::Geometry = serde_json::from_str(
///     r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,0]]]}"#).unwrap();
/// let area = gridd::domain::geometry::parse_area("geometry", &g, Default::default()).unwrap();
/// assert!(matches!(area, geo::Geometry::Polygon(_)));
/// ```
pub fn parse_area(
    field: &str,
    g: &geojson::Geometry,
    limits: Limits,
) -> Result<Geometry<f64>, Vec<FieldError>> {
    let geom = read_area(field, g, limits)?;
    check_topology(field, &geom)?;
    Ok(geom)
}

/// The positions checked (numbers, ranges, closed rings, vertex count) and converted
/// exactly; topology not checked yet.
fn read_area(
    field: &str,
    g: &geojson::Geometry,
    limits: Limits,
) -> Result<Geometry<f64>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let geom = match &g.value {
        geojson::GeometryValue::Polygon { coordinates: rings } => {
            let f = format!("{field}.coordinates");
            check_vertex_count(field, rings.iter().map(Vec::len).sum(), limits)?;
            polygon_from_rings(&f, rings, &mut errors).map(Geometry::Polygon)
        }
        geojson::GeometryValue::MultiPolygon { coordinates: polys } => {
            let n = polys.iter().flatten().map(Vec::len).sum();
            check_vertex_count(field, n, limits)?;
            if polys.is_empty() {
                errors.push(FieldError::new(
                    format!("{field}.coordinates"),
                    "a MultiPolygon needs at least one polygon",
                ));
            }
            let parts: Vec<Polygon> = polys
                .iter()
                .enumerate()
                .filter_map(|(i, rings)| {
                    polygon_from_rings(&format!("{field}.coordinates[{i}]"), rings, &mut errors)
                })
                .collect();
            Some(Geometry::MultiPolygon(MultiPolygon(parts)))
        }
        other => {
            errors.push(FieldError::new(
                format!("{field}.type"),
                format!("must be Polygon or MultiPolygon, not {}", other.type_name()),
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    geom.ok_or_else(|| vec![FieldError::new(field, "no geometry")])
}

fn check_vertex_count(field: &str, n: usize, limits: Limits) -> Result<(), Vec<FieldError>> {
    if n > limits.max_vertices {
        return Err(vec![FieldError::new(
            format!("{field}.coordinates"),
            format!(
                "has {n} vertices; at most {} are accepted in one geometry",
                limits.max_vertices
            ),
        )]);
    }
    Ok(())
}

/// Checks raw positions of one polygon and converts it; pushes errors and returns
/// `None` when anything is wrong.
fn polygon_from_rings(
    field: &str,
    rings: &[Vec<geojson::Position>],
    errors: &mut Vec<FieldError>,
) -> Option<Polygon> {
    let before = errors.len();
    if rings.is_empty() {
        errors.push(FieldError::new(field, "a polygon needs an exterior ring"));
        return None;
    }
    let mut out: Vec<LineString> = Vec::with_capacity(rings.len());
    for (r, ring) in rings.iter().enumerate() {
        let rf = format!("{field}[{r}]");
        let mut coords = Vec::with_capacity(ring.len());
        for (i, pos) in ring.iter().enumerate() {
            match position(&format!("{rf}[{i}]"), pos.as_slice()) {
                Ok(c) => coords.push(c),
                Err(e) => errors.push(e),
            }
        }
        if errors.len() > before {
            continue;
        }
        if ring.len() < 4 {
            errors.push(FieldError::new(
                rf,
                format!(
                    "a linear ring needs at least 4 positions (first = last), it has {}",
                    ring.len()
                ),
            ));
            continue;
        }
        let (first, last) = (coords[0], coords[coords.len() - 1]);
        if first != last {
            errors.push(FieldError::at(
                rf,
                "ring is not closed: its last position must equal its first",
                [last.x, last.y],
            ));
            continue;
        }
        out.push(LineString(coords));
    }
    if errors.len() > before {
        return None;
    }
    let mut it = out.into_iter();
    let exterior = it.next()?;
    Some(Polygon::new(exterior, it.collect()))
}

fn position(field: &str, pos: &[f64]) -> Result<Coord, FieldError> {
    if pos.len() < 2 || pos.len() > 3 {
        return Err(FieldError::new(
            field,
            format!(
                "a position has 2 (or 3) numbers [lon, lat], this one has {}",
                pos.len()
            ),
        ));
    }
    let (x, y) = (pos[0], pos[1]);
    if !x.is_finite() || !y.is_finite() {
        return Err(FieldError::new(
            field,
            "coordinates must be finite numbers (no NaN or infinity)",
        ));
    }
    if !(-180.0..=180.0).contains(&x) {
        return Err(FieldError::at(
            field,
            format!("longitude {x} is out of range [-180, 180]"),
            [x, y],
        ));
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(FieldError::at(
            field,
            format!("latitude {y} is out of range [-90, 90]"),
            [x, y],
        ));
    }
    Ok(Coord { x, y })
}

/// OGC validity (simple rings with an area, holes inside shells, parts not
/// overlapping), with the position of the problem where there is one.
fn check_topology(field: &str, geom: &Geometry) -> Result<(), Vec<FieldError>> {
    let (polys, multi): (Vec<&Polygon>, bool) = match geom {
        Geometry::Polygon(p) => (vec![p], false),
        Geometry::MultiPolygon(mp) => (mp.0.iter().collect(), true),
        _ => return Ok(()),
    };
    let errors = validate::validate(&polys);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors
            .iter()
            .map(|e| field_error(field, multi, e))
            .collect())
    }
}

/// The field error for one reason of invalidity of the geometry at `field` (a
/// MultiPolygon when `multi`): rings are named by their own field, problems between
/// rings by their polygon's, overlapping parts by the coordinates'.
pub(crate) fn field_error(field: &str, multi: bool, e: &Invalid) -> FieldError {
    let poly = |p: usize| {
        if multi {
            format!("{field}.coordinates[{p}]")
        } else {
            format!("{field}.coordinates")
        }
    };
    let role = |r: usize| {
        if r == 0 {
            "exterior ring".to_owned()
        } else {
            format!("interior ring at index {}", r - 1)
        }
    };
    let xy = |c: &Coord| [c.x, c.y];
    match e {
        Invalid::TooFewPoints { part, ring } => FieldError::new(
            format!("{}[{ring}]", poly(*part)),
            "ring needs at least 3 distinct positions",
        ),
        Invalid::NoArea { part, ring, at } => FieldError::at(
            format!("{}[{ring}]", poly(*part)),
            "ring has no area: all its positions lie on one line",
            xy(at),
        ),
        Invalid::SelfIntersection { part, ring, at } => FieldError::at(
            format!("{}[{ring}]", poly(*part)),
            "ring intersects itself",
            xy(at),
        ),
        Invalid::HoleOutside { part, ring, at } => FieldError::at(
            poly(*part),
            format!(
                "{} is not contained within the polygon's exterior",
                role(*ring)
            ),
            xy(at),
        ),
        Invalid::RingsOnLine { part, a, b, at } => FieldError::at(
            poly(*part),
            format!("{} and {} intersect on a line", role(*a), role(*b)),
            xy(at),
        ),
        Invalid::HolesOverlap { part, a, b, at } => FieldError::at(
            poly(*part),
            format!("{} and {} intersect on an area", role(*a), role(*b)),
            xy(at),
        ),
        Invalid::Disconnected { part, at } => FieldError::at(
            poly(*part),
            "rings touch here and elsewhere so that they cut the polygon's interior in pieces; \
             make each piece a polygon of its own",
            xy(at),
        ),
        Invalid::PartsOverlap { a, b, at } => FieldError::at(
            format!("{field}.coordinates"),
            format!("polygons {a} and {b} overlap or share an edge; merge them into one polygon"),
            xy(at),
        ),
    }
}

/// Most positions in a split's cut line (a hand-drawn cut has tens).
pub const MAX_CUT_VERTICES: usize = 10_000;

/// Checks a cut line: at least two distinct positions, at most
/// [`MAX_CUT_VERTICES`], not meeting itself. O(n log n) (the plane sweep of
/// [`segments`]), so it can run before the edit takes the write lock.
///
/// # Examples
/// ```
/// use geo::line_string;
/// use gridd::domain::geometry::check_cut_line;
/// assert!(check_cut_line("line", &line_string![(x: 0., y: 0.), (x: 1., y: 1.)]).is_ok());
/// let zigzag = line_string![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)];
/// assert_eq!(check_cut_line("line", &zigzag).unwrap_err().coordinate, Some([1.0, 1.0]));
/// ```
pub fn check_cut_line(field: &str, line: &LineString) -> Result<(), FieldError> {
    if line.0.len() > MAX_CUT_VERTICES {
        return Err(FieldError::new(
            field,
            format!(
                "has {} positions; a cut line has at most {MAX_CUT_VERTICES}",
                line.0.len()
            ),
        ));
    }
    if line.0.len() < 2 || line.0.windows(2).all(|w| w[0] == w[1]) {
        return Err(FieldError::new(
            field,
            "needs at least two distinct positions",
        ));
    }
    if let Some(c) = segments::self_meeting(&line.0, false) {
        return Err(FieldError::at(
            field,
            "crosses itself; draw a line that does not",
            [c.x, c.y],
        ));
    }
    Ok(())
}

/// Geodesic area of a polygonal geometry in square metres (WGS 84 ellipsoid), whatever
/// the orientation of its rings: each ring is measured on its own, holes subtracted.
/// (`geodesic_area_unsigned` takes a counter-clockwise hole, or a clockwise exterior,
/// for the rest of the globe.)
pub fn area_m2(g: &Geometry) -> f64 {
    use geo::GeodesicArea;
    let ring = |r: &LineString| Polygon::new(r.clone(), vec![]).geodesic_area_signed().abs();
    let polygon = |p: &Polygon| ring(p.exterior()) - p.interiors().iter().map(ring).sum::<f64>();
    match g {
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(mp) => mp.0.iter().map(polygon).sum(),
        other => other.geodesic_area_unsigned(),
    }
}

/// Converts a Polygon or MultiPolygon geometry into a MultiPolygon (clone).
pub fn to_multi_polygon(g: &Geometry) -> MultiPolygon {
    match g {
        Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
        Geometry::MultiPolygon(mp) => mp.clone(),
        _ => MultiPolygon(vec![]),
    }
}

/// A GeoJSON Feature with a numeric id; `props` must be a JSON object.
pub fn feature(id: i64, g: &Geometry, props: serde_json::Value) -> geojson::Feature {
    geojson::Feature {
        bbox: None,
        geometry: Some(geojson::Geometry::new(g.into())),
        id: Some(geojson::feature::Id::Number(id.into())),
        properties: match props {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        },
        foreign_members: None,
    }
}

/// A GeoJSON FeatureCollection of `features`.
pub fn collection(features: Vec<geojson::Feature>) -> geojson::FeatureCollection {
    geojson::FeatureCollection {
        bbox: None,
        features,
        foreign_members: None,
    }
}

/// The same geometry holding no spare capacity: every coordinate list and ring list
/// exactly as long as it is. Decoders leave spare room (geozero keeps a one-slot
/// allocation as the empty interior list of every polygon), which at a million
/// building footprints held in memory is tens of MiB.
pub fn compact(g: Geometry) -> Geometry {
    fn polygon(p: Polygon) -> Polygon {
        let (mut exterior, mut interiors) = p.into_inner();
        exterior.0.shrink_to_fit();
        for r in &mut interiors {
            r.0.shrink_to_fit();
        }
        interiors.shrink_to_fit();
        Polygon::new(exterior, interiors)
    }
    match g {
        Geometry::Polygon(p) => Geometry::Polygon(polygon(p)),
        Geometry::MultiPolygon(mp) => {
            Geometry::MultiPolygon(MultiPolygon(mp.0.into_iter().map(polygon).collect()))
        }
        Geometry::LineString(mut l) => {
            l.0.shrink_to_fit();
            Geometry::LineString(l)
        }
        Geometry::MultiLineString(mut ml) => {
            for l in &mut ml.0 {
                l.0.shrink_to_fit();
            }
            ml.0.shrink_to_fit();
            Geometry::MultiLineString(ml)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Geometry, Vec<FieldError>> {
        let g: geojson::Geometry = serde_json::from_str(s).expect("geojson");
        parse_area("geometry", &g, Limits::default())
    }

    #[test]
    fn accepts_a_valid_polygon_with_a_hole() {
        let g = parse(
            r#"{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[2,3],[3,3],[2,2]]]}"#,
        );
        assert!(g.is_ok(), "{g:?}");
    }

    #[test]
    fn names_the_self_intersection() {
        let e = parse(r#"{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}"#)
            .expect_err("bow-tie");
        assert_eq!(e[0].field, "geometry.coordinates[0]");
        assert_eq!(e[0].coordinate, Some([1.0, 1.0]));
    }

    #[test]
    fn refuses_unclosed_rings_and_bad_ranges() {
        let e = parse(r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}"#)
            .expect_err("open");
        assert!(e[0].reason.contains("not closed"));
        let e = parse(r#"{"type":"Polygon","coordinates":[[[0,0],[200,0],[1,1],[0,0]]]}"#)
            .expect_err("lon");
        assert_eq!(e[0].field, "geometry.coordinates[0][1]");
        assert_eq!(e[0].coordinate, Some([200.0, 0.0]));
    }

    #[test]
    fn refuses_points() {
        let e = parse(r#"{"type":"Point","coordinates":[0,0]}"#).expect_err("point");
        assert_eq!(e[0].field, "geometry.type");
    }

    /// A noisy circle of `n` positions (closed), a real-looking boundary.
    fn circle(n: usize) -> Vec<[f64; 2]> {
        let mut ring: Vec<[f64; 2]> = (0..n)
            .map(|i| {
                let t = std::f64::consts::TAU * i as f64 / n as f64;
                let r = 0.01 * (1.0 + 0.05 * ((i * 7919) % 13) as f64 / 13.0);
                [120.0 + r * t.cos(), 30.0 + r * t.sin()]
            })
            .collect();
        ring.push(ring[0]);
        ring
    }

    fn polygon_of(ring: &[[f64; 2]]) -> String {
        serde_json::json!({"type": "Polygon", "coordinates": [ring]}).to_string()
    }

    #[test]
    fn a_100000_vertex_ring_is_accepted_and_its_one_crossing_found() {
        let mut ring = circle(99_999);
        assert!(parse(&polygon_of(&ring)).is_ok());
        // Swap two neighbouring positions: the ring now crosses itself between them.
        ring.swap(50_000, 50_001);
        let e = parse(&polygon_of(&ring)).expect_err("crossing");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "geometry.coordinates[0]");
        assert_eq!(e[0].reason, "ring intersects itself");
        let [x, y] = e[0].coordinate.expect("where");
        let (a, b) = (ring[50_000], ring[50_001]);
        assert!(
            (x - (a[0] + b[0]) / 2.0).abs() < 1e-4 && (y - (a[1] + b[1]) / 2.0).abs() < 1e-4,
            "{x} {y} near {a:?} {b:?}"
        );
    }

    #[test]
    fn refuses_rings_without_area_naming_the_ring() {
        let e = parse(r#"{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,2],[0,0]]]}"#)
            .expect_err("collinear");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "geometry.coordinates[0]");
        assert!(e[0].reason.contains("no area"), "{}", e[0].reason);
        let e = parse(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[4,0],[4,4],[0,0]]],[[[5,5],[6,5],[7,5],[5,5]]]]}"#,
        )
        .expect_err("collinear part");
        assert_eq!(e[0].field, "geometry.coordinates[1][0]");
    }

    #[test]
    fn names_holes_outside_and_overlapping_parts_once() {
        let e = parse(
            r#"{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]],[[5,5],[6,5],[6,6],[5,5]]]}"#,
        )
        .expect_err("hole outside");
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "geometry.coordinates");
        assert_eq!(
            e[0].reason,
            "interior ring at index 0 is not contained within the polygon's exterior"
        );
        let e = parse(
            r#"{"type":"MultiPolygon","coordinates":[[[[0,0],[4,0],[4,4],[0,4],[0,0]]],[[[2,2],[6,2],[6,6],[2,6],[2,2]]]]}"#,
        )
        .expect_err("overlap");
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].field, "geometry.coordinates");
        assert_eq!(
            e[0].reason,
            "polygons 0 and 1 overlap or share an edge; merge them into one polygon"
        );
    }
}
