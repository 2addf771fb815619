//! Fuzz targets for the parsers of outside input and for geometry validation: each
//! takes arbitrary bytes and must never panic (nor disagree with a reference, for
//! `validate`). `fuzz/` runs them under cargo-fuzz for long runs
//! (`scripts/fuzz.sh`); the unit tests here replay the corpus in `fuzz/corpus/` and
//! run a short seeded mutation loop, so every test run fuzzes a little.

pub mod oracle;

use geo::{Coord, Geometry, LineString, MultiPolygon, Polygon};

use crate::domain::geometry::{self, Limits, validate as fast};
use crate::domain::grid::{self, GridProps};
use crate::lookup::batch::{self, Format};

/// A fuzz target: arbitrary bytes in, a panic when something is wrong.
pub type Target = fn(&[u8]);

/// Every target by name (the names of `fuzz/fuzz_targets/*.rs` and of the corpus
/// folders).
pub const TARGETS: &[(&str, Target)] = &[
    ("geojson_features", geojson_features),
    ("grid_feature", grid_feature),
    ("lookup_json", lookup_json),
    ("lookup_csv", lookup_csv),
    ("gpkg_geometry", gpkg_geometry),
    ("validate", validate),
    ("repair", repair),
    ("open311_form", open311_form),
];

/// An Open311 `POST requests` body and a `GET requests` query: parsed, the
/// attributes checked against a definition, and whatever parses rendered back in
/// both formats.
pub fn open311_form(data: &[u8]) {
    use crate::open311::{self, Attribute, Datatype, Format, ServiceDefinition};
    if let Ok(p) = open311::parse_post(data) {
        let def = ServiceDefinition {
            service_code: p.service_code.clone(),
            attributes: vec![Attribute {
                variable: true,
                code: "urgency".into(),
                datatype: Datatype::Singlevaluelist,
                required: false,
                datatype_description: String::new(),
                order: 1,
                description: String::new(),
                values: vec![("normal".into(), "一般".into())],
            }],
        };
        if let Err(e) = open311::check_attributes(&p, &def) {
            for f in [Format::Xml, Format::Json] {
                let _ = open311::errors(&e, f);
            }
        }
        let r = open311::Request {
            service_request_id: p.service_code.clone(),
            status: open311::Status::Open,
            status_notes: p.description.clone(),
            service_name: p.first_name.clone().unwrap_or_default(),
            service_code: p.service_code.clone(),
            description: p.description.clone(),
            agency_responsible: p.last_name.clone(),
            service_notice: p.email.clone(),
            requested_datetime: chrono::DateTime::default(),
            updated_datetime: chrono::DateTime::default(),
            expected_datetime: None,
            address: p.address_string.clone(),
            address_id: p.address_id.clone(),
            zipcode: None,
            lat: p.lat.unwrap_or(f64::NAN),
            long: p.long.unwrap_or(f64::NAN),
            media_url: p.media_url.clone(),
        };
        for f in [Format::Xml, Format::Json] {
            let out = open311::requests(std::slice::from_ref(&r), f);
            if f == Format::Json {
                assert!(
                    serde_json::from_str::<serde_json::Value>(&out).is_ok(),
                    "rendered JSON does not parse: {out}"
                );
            }
        }
    }
    if let Ok(q) = std::str::from_utf8(data) {
        let _ = open311::parse_requests_query(q);
    }
}

/// A GeoJSON import file: parsed into features (`import::parse_features`), then
/// each feature's grid fields and geometry checked as the grid import does.
pub fn geojson_features(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(features) = crate::import::parse_features(text) else {
        return;
    };
    for f in &features {
        let props = serde_json::Value::Object(f.properties.clone().unwrap_or_default());
        if let Ok(p) = serde_json::from_value::<GridProps>(props) {
            let _ = grid::check_fields(&p, f.geometry.as_ref(), Limits::default());
        }
    }
}

/// One grid as the API receives it: a JSON Feature body, its properties and geometry
/// read as `POST /api/v1/grids` reads them, then `grid::check_fields`.
pub fn grid_feature(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let props = match body.get("properties") {
        Some(p @ serde_json::Value::Object(_)) => {
            serde_json::from_value::<GridProps>(p.clone()).unwrap_or_default()
        }
        _ => GridProps::default(),
    };
    let geometry = body
        .get("geometry")
        .and_then(|g| serde_json::from_value::<geojson::Geometry>(g.clone()).ok());
    let _ = grid::check_fields(&props, geometry.as_ref(), Limits::default());
}

/// A lookup batch body as JSON (an array of points or a FeatureCollection).
pub fn lookup_json(data: &[u8]) {
    let _ = batch::parse(data, Format::Json);
}

/// A lookup batch body as CSV.
pub fn lookup_csv(data: &[u8]) {
    let _ = batch::parse(data, Format::Csv);
}

/// A GeoPackage binary geometry as `store::read_gpkg_features` decodes it (geozero's
/// `GpkgWkb`, after the size check `wkb::check_gpkg` that guards it), then converted
/// to GeoJSON and checked as an imported area.
pub fn gpkg_geometry(data: &[u8]) {
    use geozero::ToGeo;
    if geometry::wkb::check_gpkg(data).is_err() {
        return;
    }
    let Ok(g) = geozero::wkb::GpkgWkb(data.to_vec()).to_geo() else {
        return;
    };
    let gj = geojson::Geometry::new((&g).into());
    let _ = geometry::parse_area("geometry", &gj, Limits::default());
}

/// Geometry validation: the fast sweep must agree with the O(n²) reference
/// (`oracle`) on polygons decoded from the bytes (`polygons_from_bytes`).
pub fn validate(data: &[u8]) {
    let polys = polygons_from_bytes(data);
    if polys.is_empty() {
        return;
    }
    let refs: Vec<&Polygon> = polys.iter().collect();
    let found = fast::validate(&refs);
    let reference = oracle::is_valid(&refs);
    assert_eq!(
        found.is_empty(),
        reference,
        "the sweep says {found:?}, the reference says valid = {reference}, for {polys:?}"
    );
}

/// Geometry repair on polygons decoded from the bytes: a repair is valid, a valid
/// input comes back unchanged, and only invalid inputs are refused.
pub fn repair(data: &[u8]) {
    let Some(g) = geometry_from_bytes(data) else {
        return;
    };
    let gj = geojson::Geometry::new((&g).into());
    let valid = geometry::parse_area("geometry", &gj, Limits::default()).is_ok();
    match geometry::repair::repair_area("geometry", &gj, Limits::default()) {
        Ok((out, report)) => {
            if valid {
                assert!(
                    !report.changed && out == g,
                    "a valid input was changed: {g:?}"
                );
            }
            let back = geojson::Geometry::new((&out).into());
            let again = geometry::parse_area("geometry", &back, Limits::default());
            assert!(
                again.is_ok(),
                "repair of {g:?} gave {out:?}, invalid: {again:?}"
            );
        }
        Err(e) => assert!(!valid, "a valid input was refused: {e:?} for {g:?}"),
    }
}

/// Runs `target` and prints each new slowest input per byte (of inputs of at least
/// 64 bytes, after 1,000 warm-up runs) to stderr: how long runs spot super-linear
/// inputs. `scripts/fuzz.sh` keeps the last such line.
pub fn timed(target: Target, data: &[u8]) {
    use std::cell::Cell;
    thread_local! {
        static SEEN: Cell<(u64, f64)> = const { Cell::new((0, 0.0)) };
    }
    let start = std::time::Instant::now();
    target(data);
    let ns = start.elapsed().as_nanos() as f64;
    SEEN.with(|seen| {
        let (runs, worst) = seen.get();
        let per_byte = ns / data.len().max(1) as f64;
        let new = runs >= 1000 && data.len() >= 64 && per_byte > worst;
        if new {
            eprintln!(
                "gridd-fuzz slowest per byte: {per_byte:.0} ns/B ({} B in {:.0} µs)",
                data.len(),
                ns / 1000.0
            );
        }
        seen.set((runs + 1, if new { per_byte } else { worst }));
    });
}

/// Polygons with small integer coordinates (0–15), where touching, overlapping and
/// collinear cases are frequent: byte 0 gives the number of parts (1–3); per part a
/// byte gives its rings (1–3); per ring a byte gives its positions (3–12), then one
/// byte per position (x in the low, y in the high four bits). Rings are closed here;
/// an input that runs out ends the last ring early (it is dropped).
pub fn polygons_from_bytes(data: &[u8]) -> Vec<Polygon> {
    let mut it = data.iter().copied();
    let mut polys = Vec::new();
    let Some(parts) = it.next() else {
        return polys;
    };
    'parts: for _ in 0..1 + parts % 3 {
        let Some(n_rings) = it.next() else { break };
        let mut rings: Vec<LineString> = Vec::new();
        for _ in 0..1 + n_rings % 3 {
            let Some(n) = it.next() else { break };
            let mut ring: Vec<Coord> = Vec::new();
            for _ in 0..3 + n % 10 {
                let Some(b) = it.next() else {
                    break;
                };
                ring.push(Coord {
                    x: f64::from(b & 15),
                    y: f64::from(b >> 4),
                });
            }
            if ring.len() < 3 + usize::from(n % 10) {
                if !rings.is_empty() {
                    polys.push(polygon(rings));
                }
                break 'parts;
            }
            ring.push(ring[0]);
            rings.push(LineString(ring));
        }
        if !rings.is_empty() {
            polys.push(polygon(rings));
        }
    }
    polys
}

fn polygon(mut rings: Vec<LineString>) -> Polygon {
    let exterior = rings.remove(0);
    Polygon::new(exterior, rings)
}

/// The geometry `polygons_from_bytes` describes: a Polygon when there is one part.
pub fn geometry_from_bytes(data: &[u8]) -> Option<Geometry> {
    let mut polys = polygons_from_bytes(data);
    match polys.len() {
        0 => None,
        1 => polys.pop().map(Geometry::Polygon),
        _ => Some(Geometry::MultiPolygon(MultiPolygon(polys))),
    }
}

/// A small deterministic generator (xorshift64*) for the mutation loop.
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed (0 is replaced).
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    /// The next 64 random bits.
    pub fn bits(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.bits() % n as u64) as usize
    }
}

/// Numbers that sit on the edges of what the parsers accept.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1e308",
    "-1e309",
    "5e-324",
    "NaN",
    "Infinity",
    "180",
    "180.0000001",
    "-90",
    "90.5",
    "99999999999999999999",
    "4294967296",
    "0.1234567890123456789",
    "1.",
    "",
];

/// Bytes that matter to JSON, CSV and the binary formats.
const BYTES: &[u8] = b"[]{},:\"-.0123456789eE\n\r;\t \\\x00\xff\x01\x03\x06";

/// One mutant of `input`: one to four stacked edits (bit flips, byte inserts and
/// deletes, copied stretches, splices with another corpus entry, number tweaks).
pub fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = out.len();
        match rng.below(7) {
            0 if len > 0 => {
                let i = rng.below(len);
                out[i] ^= 1 << rng.below(8);
            }
            1 => {
                let b = if rng.below(2) == 0 {
                    BYTES[rng.below(BYTES.len())]
                } else {
                    rng.bits() as u8
                };
                out.insert(rng.below(len + 1), b);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(8)).min(len - i);
                out.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = (1 + rng.below(32)).min(len - i);
                let chunk = out[i..i + n].to_vec();
                let at = rng.below(len + 1);
                out.splice(at..at, chunk);
            }
            4 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                let cut = rng.below(len + 1);
                let from = rng.below(other.len() + 1);
                out.truncate(cut);
                out.extend_from_slice(&other[from..]);
            }
            5 => {
                let digits: Vec<usize> = (0..len).filter(|&i| out[i].is_ascii_digit()).collect();
                if digits.is_empty() {
                    continue;
                }
                let mut i = digits[rng.below(digits.len())];
                let mut j = i;
                while i > 0 && (out[i - 1].is_ascii_digit() || b".-eE".contains(&out[i - 1])) {
                    i -= 1;
                }
                while j < len && (out[j].is_ascii_digit() || b".-eE+".contains(&out[j])) {
                    j += 1;
                }
                let n = NUMBERS[rng.below(NUMBERS.len())].as_bytes().to_vec();
                out.splice(i..j, n);
            }
            _ if len > 0 => {
                let i = rng.below(len);
                out[i] = rng.bits() as u8;
            }
            _ => out.push(rng.bits() as u8),
        }
    }
    out.truncate(4096);
    out
}

/// The corpus of a target as files in `fuzz/corpus/<target>/`, sorted by name.
pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `target` on `input`; a panic fails with the input spelled out.
    fn run(name: &str, target: Target, input: &[u8]) {
        let r = std::panic::catch_unwind(|| target(input));
        if let Err(e) = r {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            panic!(
                "fuzz target {name} panicked ({msg}) on {:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    /// The corpus, then a seeded mutation loop: `GRIDD_FUZZ_RUNS` executions per
    /// target (default 20,000).
    #[test]
    fn fuzz_targets_survive_the_corpus_and_mutants() {
        let runs: usize = std::env::var("GRIDD_FUZZ_RUNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(20_000);
        for &(name, target) in TARGETS {
            let seeds = corpus(name);
            assert!(seeds.len() >= 3, "fuzz/corpus/{name} has too few entries");
            for s in &seeds {
                run(name, target, s);
            }
            let mut rng = Rng::new(0x9E37_79B9_7F4A_7C15 ^ name.len() as u64);
            let mut pool = seeds.clone();
            for i in 0..runs {
                let base = pool[rng.below(pool.len())].clone();
                let input = mutate(&mut rng, &base, &seeds);
                run(name, target, &input);
                // Keep some mutants as bases, so edits accumulate.
                if i % 16 == 0 {
                    if pool.len() < 256 {
                        pool.push(input);
                    } else {
                        let j = rng.below(pool.len());
                        pool[j] = input;
                    }
                }
            }
        }
    }

    #[test]
    fn decodes_small_polygons_from_bytes() {
        // 1 part, 1 ring, 3 positions: (0,0), (4,0), (0,4).
        let polys = polygons_from_bytes(&[0, 0, 0, 0x00, 0x04, 0x40]);
        assert_eq!(polys.len(), 1);
        let ring: Vec<(f64, f64)> = polys[0].exterior().0.iter().map(|c| (c.x, c.y)).collect();
        assert_eq!(ring, [(0., 0.), (4., 0.), (0., 4.), (0., 0.)]);
        assert!(polygons_from_bytes(&[0, 0, 0, 0x00]).is_empty());
    }

    #[test]
    fn mutants_differ_and_stay_bounded() {
        let mut rng = Rng::new(7);
        let seed = br#"[[1.5,2.5]]"#.to_vec();
        let mutants: Vec<Vec<u8>> = (0..200)
            .map(|_| mutate(&mut rng, &seed, std::slice::from_ref(&seed)))
            .collect();
        assert!(mutants.iter().filter(|m| **m != seed).count() > 150);
        assert!(mutants.iter().all(|m| m.len() <= 4096));
    }
}
