//! Duplicates at intake: open cases of the same category within a radius and a
//! number of days (50 m and 7 days unless configured) are proposed; the operator
//! merges, and the merged report stays linked to the case it joined.

use serde::{Deserialize, Serialize};

/// An open case near a report, as the open-case index finds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    /// Its id.
    pub id: i64,
    /// Its number.
    pub number: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
    /// When it was reported.
    pub reported_at: i64,
}

/// How near and how recent a duplicate must be.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DuplicateRule {
    /// Metres.
    pub radius_m: f64,
    /// Days back from the new report.
    pub days: i64,
}

impl DuplicateRule {
    /// Checks a rule an admin sends: 1–1,000 m, 1–90 days.
    pub fn check(&self) -> Result<(), Vec<crate::error::FieldError>> {
        let mut e = Vec::new();
        if !(self.radius_m.is_finite() && (1.0..=1000.0).contains(&self.radius_m)) {
            e.push(crate::error::FieldError::new(
                "radius_m",
                "1 to 1000 metres",
            ));
        }
        if !(1..=90).contains(&self.days) {
            e.push(crate::error::FieldError::new("days", "1 to 90 days"));
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

impl Default for DuplicateRule {
    fn default() -> Self {
        Self {
            radius_m: 50.0,
            days: 7,
        }
    }
}

/// Metres between two WGS 84 points (haversine on the mean Earth radius; at 50 m
/// it is exact to well under a centimetre).
pub fn distance_m(a: (f64, f64), b: (f64, f64)) -> f64 {
    const R: f64 = 6_371_008.8;
    let (lon1, lat1) = (a.0.to_radians(), a.1.to_radians());
    let (lon2, lat2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * R * h.sqrt().asin()
}

/// The box (degrees) around a point that holds every point within `radius_m`:
/// what the open-case index is asked for before distances are measured.
pub fn search_box(lon: f64, lat: f64, radius_m: f64) -> [f64; 4] {
    let dlat = (radius_m / 111_320.0) * 1.01;
    let dlon = dlat / lat.to_radians().cos().max(0.01);
    [lon - dlon, lat - dlat, lon + dlon, lat + dlat]
}

/// A proposed duplicate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Candidate {
    /// The open case.
    pub id: i64,
    /// Its number.
    pub number: String,
    /// Metres from the new report.
    pub distance_m: f64,
    /// When it was reported.
    pub reported_at: i64,
}

/// The cases (open, of the report's category, from the index's box) within the
/// rule of a report at (lon, lat) made at `now`, nearest first.
pub fn candidates(
    cases: &[Near],
    lon: f64,
    lat: f64,
    now: i64,
    rule: DuplicateRule,
) -> Vec<Candidate> {
    let since = now - rule.days * 86_400;
    let mut out: Vec<Candidate> = cases
        .iter()
        .filter(|c| c.reported_at >= since)
        .filter_map(|c| {
            let d = distance_m((lon, lat), (c.lon, c.lat));
            (d <= rule.radius_m).then(|| Candidate {
                id: c.id,
                number: c.number.clone(),
                distance_m: (d * 10.0).round() / 10.0,
                reported_at: c.reported_at,
            })
        })
        .collect();
    out.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_metres() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m((24.9, 60.0), (24.9, 61.0));
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        // 50 m east at Helsinki's latitude.
        let dlon = 50.0 / (111_195.0 * 60.17_f64.to_radians().cos());
        let d = distance_m((24.94, 60.17), (24.94 + dlon, 60.17));
        assert!((d - 50.0).abs() < 0.05, "{d}");
        let b = search_box(24.94, 60.17, 50.0);
        assert!(b[2] - 24.94 > dlon);
    }
}
