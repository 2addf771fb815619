//! Parsing and validating geometries that come from outside (GeoJSON), and the
//! metric measures the domain needs (areas in m², never in degrees).
//!
//! Validation runs on the raw GeoJSON positions *before* conversion, because
//! `geo`'s constructors silently close open rings: an unclosed ring must be refused,
//! not repaired behind the user's back.

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon, Validation};

use crate::error::FieldError;

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
    let Some(geom) = geom else {
        return Err(vec![FieldError::new(field, "no geometry")]);
    };
    check_topology(field, &geom)?;
    Ok(geom)
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

/// OGC validity (simple rings, holes inside shells, parts not overlapping), with the
/// position of a self-intersection when there is one.
fn check_topology(field: &str, geom: &Geometry) -> Result<(), Vec<FieldError>> {
    let polys: Vec<(String, &Polygon)> = match geom {
        Geometry::Polygon(p) => vec![(format!("{field}.coordinates"), p)],
        Geometry::MultiPolygon(mp) => {
            mp.0.iter()
                .enumerate()
                .map(|(i, p)| (format!("{field}.coordinates[{i}]"), p))
                .collect()
        }
        _ => return Ok(()),
    };
    let mut errors = Vec::new();
    for (f, p) in &polys {
        for e in p.validation_errors() {
            use geo::algorithm::validation::{InvalidPolygon as IP, RingRole};
            let ring_of = |role: &RingRole| match role {
                RingRole::Exterior => p.exterior(),
                RingRole::Interior(i) => &p.interiors()[*i],
            };
            let ring_field = |role: &RingRole| match role {
                RingRole::Exterior => format!("{f}[0]"),
                RingRole::Interior(i) => format!("{f}[{}]", i + 1),
            };
            let err = match &e {
                IP::SelfIntersection(role) => {
                    let ring = ring_of(role);
                    match self_intersection(ring) {
                        Some(c) => {
                            FieldError::at(ring_field(role), "ring intersects itself", [c.x, c.y])
                        }
                        None => FieldError::new(ring_field(role), "ring intersects itself"),
                    }
                }
                IP::TooFewPointsInRing(role) => {
                    FieldError::new(ring_field(role), "ring needs at least 3 distinct positions")
                }
                other => FieldError::new(f.clone(), other.to_string()),
            };
            errors.push(err);
        }
    }
    if let Geometry::MultiPolygon(mp) = geom
        && errors.is_empty()
    {
        use geo::algorithm::validation::InvalidMultiPolygon as IM;
        for e in mp.validation_errors() {
            if let IM::ElementsOverlaps(a, b) | IM::ElementsTouchOnALine(a, b) = &e {
                errors.push(FieldError::new(
                    format!("{field}.coordinates"),
                    format!(
                        "polygons {} and {} overlap or share an edge; merge them into one polygon",
                        a.0, b.0
                    ),
                ));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The first point where a ring crosses or touches itself, other than at the joints
/// of consecutive segments.
fn self_intersection(ring: &LineString) -> Option<Coord> {
    use geo::{Intersections, Line, LineIntersection};
    let lines: Vec<Line> = ring.lines().collect();
    let n = lines.len();
    // Index lines so that neighbours (sharing a joint) can be told apart.
    let indexed: Vec<(usize, Line)> = lines.iter().copied().enumerate().collect();
    #[derive(Clone, Copy, Debug)]
    struct L(usize, Line);
    impl geo::algorithm::sweep::Cross for L {
        type Scalar = f64;
        fn line(&self) -> Line<f64> {
            self.1
        }
    }
    let items = indexed.into_iter().map(|(i, l)| L(i, l));
    for (a, b, hit) in Intersections::<L>::from_iter(items) {
        let adjacent = a.0.abs_diff(b.0) == 1 || a.0.abs_diff(b.0) == n - 1;
        match hit {
            LineIntersection::SinglePoint { intersection, .. } if adjacent => {
                // Consecutive segments always meet at their joint; anything else is a fold.
                let joint_a = [a.1.start, a.1.end];
                if joint_a.contains(&intersection) && [b.1.start, b.1.end].contains(&intersection) {
                    continue;
                }
                return Some(intersection);
            }
            LineIntersection::SinglePoint { intersection, .. } => return Some(intersection),
            LineIntersection::Collinear { intersection } => return Some(intersection.start),
        }
    }
    None
}

/// Geodesic area of a polygonal geometry in square metres (WGS 84 ellipsoid).
pub fn area_m2(g: &Geometry) -> f64 {
    use geo::GeodesicArea;
    g.geodesic_area_unsigned()
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
}
