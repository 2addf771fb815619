//! The report as GeoJSON (problems as features, for the map layer) and as a
//! printable HTML page for auditors ([`html`]): a map of the subdistrict with
//! every problem numbered, a summary table per level and the numbered list with
//! a small map of each problem. No scripts, no external assets.

mod map;
mod page;

use serde_json::json;

use super::report::Report;

pub use page::{Page, html};

/// Problems as a GeoJSON FeatureCollection; the report's summary rides along as a
/// foreign member `summary`. Feature ids are the problems' numbers on the page.
pub fn geojson(r: &Report) -> serde_json::Value {
    let features: Vec<serde_json::Value> = r
        .problems()
        .enumerate()
        .map(|(i, p)| {
            json!({
                "type": "Feature",
                "id": i + 1,
                "geometry": p.geometry,
                "properties": {
                    "kind": p.kind,
                    "severity": p.severity,
                    "level": p.level,
                    "grid_ids": p.grids.iter().map(|g| g.id).collect::<Vec<_>>(),
                    "grid_codes": p.grids.iter().map(|g| g.code.as_str()).collect::<Vec<_>>(),
                    "building_id": p.building_id,
                    "area_m2": p.area_m2,
                    "width_m": p.width_m,
                    "message": p.message,
                    "fix": p.fix,
                }
            })
        })
        .collect();
    json!({
        "type": "FeatureCollection",
        "features": features,
        "summary": summary(r),
    })
}

/// The report without its problems: counts per level.
pub fn summary(r: &Report) -> serde_json::Value {
    json!({
        "subdistrict": r.subdistrict,
        "config": r.config,
        "defects": r.defects,
        "warnings": r.warnings,
        "levels": r.levels.iter().map(|l| json!({
            "level": l.level,
            "grids": l.grids,
            "target_area_m2": l.target_area_m2,
            "covered_area_m2": l.covered_area_m2,
            "coverage_ratio": l.coverage_ratio,
            "households": l.households,
            "defects": l.defects,
            "warnings": l.warnings,
            "noise": l.noise,
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests;
