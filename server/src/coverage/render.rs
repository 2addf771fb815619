//! The report as GeoJSON (problems as features, for the map layer) and as a
//! printable HTML page for auditors: a summary table per level and a small inline
//! SVG map of each problem. No external assets.

use std::fmt::Write as _;

use serde_json::json;

use super::LocalFrame;
use super::report::{Problem, Report, Severity};
use crate::html::escape as esc;

/// Problems as a GeoJSON FeatureCollection; the report's summary rides along as a
/// foreign member `summary`.
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

/// Most problems drawn as maps; the rest are listed in the table only.
const MAX_MAPS: usize = 500;

/// A printable HTML page.
pub fn html(r: &Report) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let s = &r.subdistrict;
    let verdict = if r.is_clean() {
        "PASS: no defect"
    } else {
        "FAIL"
    };
    let _ = write!(
        h,
        "<!doctype html><html lang=en><meta charset=utf-8><title>Coverage audit {code} {name}</title>\
<style>body{{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}}table{{border-collapse:collapse;margin:1em 0}}\
td,th{{border:1px solid #bbb;padding:3px 8px;text-align:right}}th{{background:#eee}}td.l{{text-align:left}}\
.pass{{color:#186a1e}}.fail{{color:#b00}}.p{{display:flex;gap:1em;border-top:1px solid #ddd;padding:.6em 0;break-inside:avoid}}\
.p svg{{flex:none;border:1px solid #ccc;background:#fafafa}}.defect{{color:#b00}}.warning{{color:#a60}}\
@media print{{body{{margin:0}}}}</style>\
<h1>Coverage audit: {name} ({code})</h1>\
<p class={cls}><b>{verdict}</b>: {d} defects, {w} warnings. Subdistrict area {area:.0} m².</p>\
<p>Tolerance {tol} m (gaps and overlaps narrower than this are counted as noise, never as defects). \
Size bands: residential {rl}–{rh} households, scattered {sl}–{sh}. Buildings split when more than {split:.0} % lies outside their main grid. \
Method: {method}.</p>",
        code = esc(&s.code),
        name = esc(&s.name),
        cls = if r.is_clean() { "pass" } else { "fail" },
        d = r.defects,
        w = r.warnings,
        area = s.area_m2,
        tol = r.config.tolerance_m,
        rl = r.config.residential_band[0],
        rh = r.config.residential_band[1],
        sl = r.config.scattered_band[0],
        sh = r.config.scattered_band[1],
        split = r.config.split_share * 100.0,
        method = esc(r.method),
    );
    h.push_str(
        "<h2>Summary</h2><table><tr><th>level<th>grids<th>area to cover m²<th>covered m²<th>coverage<th>households\
<th>defects<th>warnings<th>noise gaps (m²)<th>noise overlaps (m²)<th>noise outside parent (m²)</tr>",
    );
    for l in &r.levels {
        let _ = write!(
            h,
            "<tr><td>L{}<td>{}<td>{:.0}<td>{:.0}<td>{:.4} %<td>{}<td>{}<td>{}<td>{} ({:.1})<td>{} ({:.1})<td>{} ({:.1})</tr>",
            l.level,
            l.grids,
            l.target_area_m2,
            l.covered_area_m2,
            l.coverage_ratio * 100.0,
            l.households,
            l.defects,
            l.warnings,
            l.noise.gaps,
            l.noise.gap_area_m2,
            l.noise.overlaps,
            l.noise.overlap_area_m2,
            l.noise.outside,
            l.noise.outside_area_m2
        );
    }
    h.push_str("</table>");
    let mut drawn = 0;
    for l in &r.levels {
        if l.problems.is_empty() {
            continue;
        }
        let _ = write!(h, "<h2>Level {} problems</h2>", l.level);
        for (i, p) in l.problems.iter().enumerate() {
            let svg = if drawn < MAX_MAPS {
                drawn += 1;
                svg(p)
            } else {
                String::new()
            };
            let sev = match p.severity {
                Severity::Defect => "defect",
                Severity::Warning => "warning",
            };
            let measures = match (p.area_m2, p.width_m) {
                (Some(a), Some(w)) => format!(" · {a:.1} m² · {w:.2} m wide"),
                (Some(a), None) => format!(" · {a:.1} m²"),
                _ => String::new(),
            };
            let codes: Vec<String> = p.grids.iter().map(|g| esc(&g.code)).collect();
            let _ = write!(
                h,
                "<div class=p>{svg}<div><b class={sev}>L{}.{} {sev}: {}</b>{measures}<br>{}<br><i>Fix:</i> {}<br><small>grids: {}</small></div></div>",
                l.level,
                i + 1,
                p.kind.as_str(),
                esc(&p.message),
                esc(&p.fix),
                if codes.is_empty() {
                    "–".to_owned()
                } else {
                    codes.join(", ")
                },
            );
        }
    }
    h.push_str("</html>\n");
    h
}

/// A 160 × 160 px map of the problem's geometry (in the local frame at its centre).
fn svg(p: &Problem) -> String {
    let (Some(g), Some([x0, y0, x1, y1])) = (&p.geometry, p.bbox) else {
        return String::new();
    };
    let Ok(geom) = geo::Geometry::<f64>::try_from(g.clone()) else {
        return String::new();
    };
    let frame = LocalFrame::new(geo::Coord {
        x: (x0 + x1) / 2.0,
        y: (y0 + y1) / 2.0,
    });
    let span = ((x1 - x0) * frame.kx).max((y1 - y0) * frame.ky).max(1e-4) * 1.3;
    let size = 160.0;
    let tx = |x: f64, y: f64| {
        let m = frame.to_metres(geo::Coord { x, y });
        (
            m.x / span * size + size / 2.0,
            -m.y / span * size + size / 2.0,
        )
    };
    let mut d = String::new();
    let polys: Vec<&geo::Polygon> = match &geom {
        geo::Geometry::Polygon(p) => vec![p],
        geo::Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => vec![],
    };
    for poly in polys {
        for ring in std::iter::once(poly.exterior()).chain(poly.interiors()) {
            for (i, c) in ring.0.iter().enumerate() {
                let (x, y) = tx(c.x, c.y);
                let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
            }
            d.push('Z');
        }
    }
    let colour = match p.severity {
        Severity::Defect => "#d00",
        Severity::Warning => "#d80",
    };
    let metres = span;
    format!(
        "<svg width=160 height=160 viewBox=\"0 0 160 160\"><path d=\"{d}\" fill=\"{colour}\" fill-opacity=\".35\" stroke=\"{colour}\" stroke-width=\"1\" fill-rule=\"evenodd\"/>\
<text x=4 y=154 font-size=10 fill=\"#555\">{:.0} m across</text></svg>",
        metres
    )
}
