//! The page's maps, as inline SVG: the overview of the subdistrict (grid outlines
//! by level, every problem drawn in its kind's colour and numbered as in the list)
//! and the small map of one problem. Drawn in the subdistrict's local frame, so
//! the scale bar is true in every direction.

use std::fmt::Write as _;

use geo::{BoundingRect, Coord, Geometry, InteriorPoint, LineString, Polygon};

use crate::coverage::audit::frame_of;
use crate::coverage::report::{Problem, ProblemKind, Report, Severity};
use crate::coverage::text::{self, Key, Lang, say};
use crate::coverage::{Input, LocalFrame};
use crate::html::escape;

/// The colour of each kind of problem, as the web app's map draws it
/// (`web/src/map.ts`).
pub(super) fn colour(k: ProblemKind) -> &'static str {
    match k {
        ProblemKind::Gap => "#e31a1c",
        ProblemKind::Overlap => "#c51b7d",
        ProblemKind::OutsideParent => "#6a3d9a",
        ProblemKind::InvalidGeometry => "#111111",
        ProblemKind::DuplicateCode
        | ProblemKind::MalformedCode
        | ProblemKind::CodePrefix
        | ProblemKind::BadParent => "#0571b0",
        ProblemKind::TooManyHouseholds | ProblemKind::TooFewHouseholds => "#8c6d1f",
        ProblemKind::BuildingUnassigned => "#d95f02",
        ProblemKind::BuildingSplit => "#b15928",
        ProblemKind::TeamIncomplete => "#1b9e77",
    }
}

/// Kinds whose geometry is a whole grid: outlined, never filled, so that they do
/// not hide the grid under them (as on the web map).
fn outline_only(k: ProblemKind) -> bool {
    matches!(
        k,
        ProblemKind::DuplicateCode
            | ProblemKind::MalformedCode
            | ProblemKind::CodePrefix
            | ProblemKind::BadParent
            | ProblemKind::TooManyHouseholds
            | ProblemKind::TooFewHouseholds
    )
}

/// Grid outlines by level: stroke colour, width and dashes (L1 first).
const LEVEL_STROKES: [(&str, f64, &str); 5] = [
    ("#333", 1.6, ""),
    ("#777", 0.9, ""),
    ("#aaa", 0.45, ""),
    ("#ccc", 0.35, " stroke-dasharray=\"2 2\""),
    ("#ccc", 0.35, " stroke-dasharray=\"1 2\""),
];

/// Vertices closer than this to the last one drawn (in SVG units) are skipped:
/// invisible at any print size, and they keep a city's page small.
const MIN_STEP: f64 = 0.6;

/// Degrees → SVG units: the local frame, scaled and flipped.
struct View {
    frame: LocalFrame,
    origin: Coord,
    scale: f64,
    pad: f64,
}

impl View {
    fn pt(&self, c: Coord) -> (f64, f64) {
        let m = self.frame.to_metres(c);
        (
            self.pad + (m.x - self.origin.x) * self.scale,
            self.pad + (self.origin.y - m.y) * self.scale,
        )
    }
}

fn polygons(g: &Geometry) -> Vec<&Polygon> {
    match g {
        Geometry::Polygon(p) => vec![p],
        Geometry::MultiPolygon(mp) => mp.0.iter().collect(),
        _ => vec![],
    }
}

fn ring(d: &mut String, v: &View, r: &LineString, min_step: f64) {
    let n = r.0.len();
    let mut last: Option<(f64, f64)> = None;
    for (i, c) in r.0.iter().enumerate() {
        let (x, y) = v.pt(*c);
        if let Some((lx, ly)) = last
            && i + 1 < n
            && (x - lx).hypot(y - ly) < min_step
        {
            continue;
        }
        let _ = write!(d, "{}{x:.1},{y:.1}", if last.is_none() { "M" } else { "L" });
        last = Some((x, y));
    }
    if last.is_some() {
        d.push('Z');
    }
}

/// The SVG path data of a polygonal geometry.
fn path(v: &View, g: &Geometry, min_step: f64) -> String {
    let mut d = String::new();
    for p in polygons(g) {
        for r in std::iter::once(p.exterior()).chain(p.interiors()) {
            ring(&mut d, v, r, min_step);
        }
    }
    d
}

/// Where a problem's number goes: a point inside its geometry, or the centre of
/// its bounding box.
fn anchor(p: &Problem, shape: Option<&Geometry>) -> Option<Coord> {
    shape
        .and_then(|g| g.interior_point())
        .map(|pt| pt.0)
        .or_else(|| {
            p.bbox.map(|[x0, y0, x1, y1]| Coord {
                x: (x0 + x1) / 2.0,
                y: (y0 + y1) / 2.0,
            })
        })
}

/// A round length for a scale bar about a fifth of `span` metres.
fn nice_length(span: f64) -> f64 {
    let t = (span / 5.0).max(1.0);
    let p = 10f64.powf(t.log10().floor());
    [5.0, 2.0, 1.0]
        .into_iter()
        .map(|k| k * p)
        .find(|&l| l <= t)
        .unwrap_or(p)
}

/// A problem's number as an SVG marker: a disc for a defect, a ring for a warning.
fn marker(out: &mut String, n: usize, (x, y): (f64, f64), kind: ProblemKind, s: Severity) {
    let c = colour(kind);
    let r = match n {
        0..=99 => 8.0,
        100..=999 => 10.0,
        _ => 12.5,
    };
    let (fill, ink) = match s {
        Severity::Defect => (c, "#fff"),
        Severity::Warning => ("#fff", c),
    };
    let _ = write!(
        out,
        "<g class=mk><circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r}\" fill=\"{fill}\" stroke=\"{c}\" stroke-width=\"1.6\"/>\
<text x=\"{x:.1}\" y=\"{:.1}\" fill=\"{ink}\">{n}</text></g>",
        y + 3.4
    );
}

/// The overview map and its legend, as an HTML figure. `shapes` are the
/// problems' geometries in report order (numbered from 1).
pub(super) fn overview(
    r: &Report,
    input: &Input,
    shapes: &[Option<Geometry>],
    lang: Lang,
) -> String {
    let s = input.subdistrict;
    let frame = frame_of(s);
    // The subdistrict with a margin: a grid drawn far away (a typo in its
    // coordinates) must not shrink the subdistrict to a dot; its marker is kept
    // at the edge instead.
    let (lo, hi) = s
        .boundary
        .bounding_rect()
        .map_or((Coord::zero(), Coord::zero()), |r| {
            (frame.to_metres(r.min()), frame.to_metres(r.max()))
        });
    let margin = 0.04 * (hi.x - lo.x).max(hi.y - lo.y);
    let (lo, hi) = (
        Coord {
            x: lo.x - margin,
            y: lo.y - margin,
        },
        Coord {
            x: hi.x + margin,
            y: hi.y + margin,
        },
    );
    let (w_m, h_m) = ((hi.x - lo.x).max(1.0), (hi.y - lo.y).max(1.0));
    let pad = 24.0;
    let scale = ((1000.0 - 2.0 * pad) / w_m).min((1300.0 - 2.0 * pad) / h_m);
    let v = View {
        frame,
        origin: Coord { x: lo.x, y: hi.y },
        scale,
        pad,
    };
    let (w, h) = (w_m * scale + 2.0 * pad, h_m * scale + 2.0 * pad + 16.0);
    let mut svg = String::with_capacity(64 * 1024);
    let title = escape(&say(lang, Key::MapTitle, &[("name", &s.name)]));
    let _ = write!(
        svg,
        "<svg class=map viewBox=\"0 0 {w:.0} {h:.0}\" overflow=hidden role=img aria-label=\"{title}\"><title>{title}</title>"
    );
    let deepest = input.grids.iter().map(|g| g.draft.level).max().unwrap_or(0);
    for level in (1..=deepest.min(5)).rev() {
        let mut d = String::new();
        for g in input.grids.iter().filter(|g| g.draft.level == level) {
            d.push_str(&path(&v, &g.draft.geometry, MIN_STEP));
        }
        let (stroke, width, dash) = LEVEL_STROKES[usize::from(level) - 1];
        let _ = write!(
            svg,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"{width}\" stroke-linejoin=\"round\"{dash}/>"
        );
    }
    let _ = write!(
        svg,
        "<path d=\"{}\" fill=\"none\" stroke=\"#000\" stroke-width=\"2.4\" stroke-linejoin=\"round\"/>",
        path(&v, &s.boundary, MIN_STEP)
    );
    let problems: Vec<&Problem> = r.problems().collect();
    for (p, shape) in problems.iter().zip(shapes) {
        let Some(g) = shape else { continue };
        let c = colour(p.kind);
        let d = path(&v, g, 0.0);
        if outline_only(p.kind) {
            let _ = write!(
                svg,
                "<path d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"1.4\" stroke-dasharray=\"4 3\"/>"
            );
        } else {
            let _ = write!(
                svg,
                "<path d=\"{d}\" fill=\"{c}\" fill-opacity=\".45\" stroke=\"{c}\" stroke-width=\"1\" fill-rule=\"evenodd\"/>"
            );
        }
    }
    for (i, (p, shape)) in problems.iter().zip(shapes).enumerate() {
        if let Some(at) = anchor(p, shape.as_ref()) {
            let (x, y) = v.pt(at);
            let at = (x.clamp(10.0, w - 10.0), y.clamp(10.0, h - 10.0));
            marker(&mut svg, i + 1, at, p.kind, p.severity);
        }
    }
    // scale bar (bottom left) and north arrow (top right)
    let len = nice_length(w_m);
    let (x0, x1, y) = (pad, pad + len * scale, h - 10.0);
    let _ = write!(
        svg,
        "<path d=\"M{x0:.1},{:.1}V{y:.1}H{x1:.1}V{:.1}\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\"/>\
<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{}</text>\
<path d=\"M{:.1},4l-5,14h10z\" fill=\"#000\"/><text x=\"{:.1}\" y=\"16\" font-size=\"10\" text-anchor=end>{}</text></svg>",
        y - 4.0,
        y - 4.0,
        x1 + 4.0,
        y,
        escape(&say(lang, Key::ScaleBar, &[("m", &format!("{len:.0}"))])),
        w - 14.0,
        w - 22.0,
        escape(Key::North.text(lang)),
    );
    format!(
        "<figure class=map>{svg}<figcaption>{}</figcaption></figure>",
        legend(&problems, deepest, lang)
    )
}

/// The map's legend: boundary and grid lines, then each kind present with its count.
fn legend(problems: &[&Problem], deepest: u8, lang: Lang) -> String {
    let line = |stroke: &str, width: f64, dash: &str| {
        format!(
            "<svg width=24 height=10 aria-hidden=true><path d=\"M1,5H23\" stroke=\"{stroke}\" stroke-width=\"{}\"{dash}/></svg>",
            width * 1.4
        )
    };
    let mut out = String::from("<ul class=legend>");
    let _ = write!(
        out,
        "<li>{}{}",
        line("#000", 2.4, ""),
        escape(Key::LegendBoundary.text(lang))
    );
    for level in 1..=deepest.min(5) {
        let (stroke, width, dash) = LEVEL_STROKES[usize::from(level) - 1];
        let _ = write!(
            out,
            "<li>{}{}",
            line(stroke, width, dash),
            escape(&say(
                lang,
                Key::LegendGrids,
                &[("level", &text::level(lang, level))]
            ))
        );
    }
    let mut kinds: Vec<(ProblemKind, usize)> = Vec::new();
    for p in problems {
        match kinds.iter_mut().find(|(k, _)| *k == p.kind) {
            Some((_, n)) => *n += 1,
            None => kinds.push((p.kind, 1)),
        }
    }
    kinds.sort();
    for (k, n) in kinds {
        let _ = write!(
            out,
            "<li><svg width=14 height=14 aria-hidden=true><circle cx=7 cy=7 r=5.5 fill=\"{c}\" stroke=\"{c}\"/></svg>{}",
            escape(&say(
                lang,
                Key::LegendKind,
                &[("kind", text::kind(lang, k)), ("n", &n.to_string())]
            )),
            c = colour(k),
        );
    }
    if !problems.is_empty() {
        let _ = write!(
            out,
            "<li><svg width=14 height=14 aria-hidden=true><circle cx=7 cy=7 r=5.5 fill=\"#555\" stroke=\"#555\"/></svg>{}\
<li><svg width=14 height=14 aria-hidden=true><circle cx=7 cy=7 r=5.5 fill=\"#fff\" stroke=\"#555\" stroke-width=\"1.6\"/></svg>{}",
            escape(Key::Defect.text(lang)),
            escape(Key::Warning.text(lang)),
        );
    }
    out.push_str("</ul>");
    out
}

/// A 160 × 160 px map of one problem's geometry, in the local frame at its centre.
pub(super) fn small(p: &Problem, shape: Option<&Geometry>, lang: Lang) -> String {
    let (Some(g), Some([x0, y0, x1, y1])) = (shape, p.bbox) else {
        return String::new();
    };
    let frame = LocalFrame::new(Coord {
        x: (x0 + x1) / 2.0,
        y: (y0 + y1) / 2.0,
    });
    let span = ((x1 - x0) * frame.kx).max((y1 - y0) * frame.ky).max(1e-4) * 1.3;
    let size = 160.0;
    let v = View {
        frame,
        origin: Coord {
            x: -span / 2.0,
            y: span / 2.0,
        },
        scale: size / span,
        pad: 0.0,
    };
    let colour = match p.severity {
        Severity::Defect => "#d00",
        Severity::Warning => "#d80",
    };
    format!(
        "<svg width=160 height=160 viewBox=\"0 0 160 160\" aria-hidden=true><path d=\"{}\" fill=\"{colour}\" fill-opacity=\".35\" stroke=\"{colour}\" stroke-width=\"1\" fill-rule=\"evenodd\"/>\
<text x=4 y=154 font-size=10 fill=\"#555\">{}</text></svg>",
        path(&v, g, 0.0),
        escape(&say(lang, Key::Across, &[("m", &format!("{span:.0}"))]))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_bars_are_round_lengths() {
        assert_eq!(nice_length(1200.0), 200.0);
        assert_eq!(nice_length(5000.0), 1000.0);
        assert_eq!(nice_length(260.0), 50.0);
        assert_eq!(nice_length(3.0), 1.0);
    }
}
