//! The auditor's page: verdict, settings, summary per level, the map of the
//! problems, then the numbered list. Every visible word comes from the catalogue
//! ([`crate::coverage::text`]) in the page's language; printable on A4.

use std::fmt::Write as _;

use geo::Geometry;

use super::map;
use crate::coverage::Input;
use crate::coverage::report::{Problem, Report};
use crate::coverage::text::{self, Key, Lang, say};
use crate::html::escape;

/// How a page is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page<'a> {
    /// Its language.
    pub lang: Lang,
    /// The address of the same page in the other language, for the switch link
    /// (none for a page written to a file).
    pub other_language: Option<&'a str>,
}

/// Most problems drawn as small maps in the list; the rest are listed without.
const MAX_MAPS: usize = 500;

const STYLE: &str = "body{font:14px/1.45 system-ui,\"Noto Sans CJK SC\",\"Microsoft YaHei\",sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right}th{background:#eee}\
.pass{color:#186a1e}.fail{color:#b00}.defect{color:#b00}.warning{color:#a60}.switch{float:right;margin:0}\
figure.map{margin:1em 0}svg.map{width:100%;height:auto;border:1px solid #ccc;background:#fff}\
svg.map .mk text{font:bold 9px sans-serif;text-anchor:middle}\
ul.legend{list-style:none;padding:0;margin:.4em 0;display:flex;flex-wrap:wrap;gap:.3em 1.4em;font-size:12px}\
ul.legend svg{vertical-align:middle;margin-right:.3em}\
.p{display:flex;gap:1em;border-top:1px solid #ddd;padding:.6em 0;break-inside:avoid}\
.p svg{flex:none;border:1px solid #ccc;background:#fafafa}.n{display:inline-block;min-width:2em}\
@page{size:A4;margin:12mm}\
@media print{body{margin:0;max-width:none;padding:0;font-size:10pt}.switch{display:none}\
figure.map{break-inside:avoid}svg.map{max-height:235mm}h2{break-after:avoid}table{font-size:8.5pt}td,th{padding:2px 4px}}";

/// The printable HTML page of a report. `input` is what the report audited (its
/// grids are drawn on the map).
pub fn html(r: &Report, input: &Input, page: Page) -> String {
    let lang = page.lang;
    let t = |k: Key| escape(k.text(lang));
    let s = &r.subdistrict;
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!doctype html><html lang={}><meta charset=utf-8><meta name=viewport content=\"width=device-width\">\
<title>{}</title><style>{STYLE}</style>",
        lang.tag(),
        escape(&say(
            lang,
            Key::Title,
            &[("code", &s.code), ("name", &s.name)]
        )),
    );
    if let Some(href) = page.other_language {
        let other = lang.other();
        let _ = write!(
            h,
            "<p class=switch><a href=\"{}\" hreflang={} lang={} title=\"{}\">{}</a></p>",
            escape(href),
            other.tag(),
            other.tag(),
            t(Key::SwitchLangTitle),
            t(Key::SwitchLang),
        );
    }
    let _ = write!(
        h,
        "<h1>{}</h1><p class={}><b>{}</b>{}</p><p>{} {}</p>",
        escape(&say(
            lang,
            Key::Heading,
            &[("code", &s.code), ("name", &s.name)]
        )),
        if r.is_clean() { "pass" } else { "fail" },
        t(if r.is_clean() { Key::Pass } else { Key::Fail }),
        escape(&say(
            lang,
            Key::Counts,
            &[
                ("defects", &r.defects.to_string()),
                ("warnings", &r.warnings.to_string()),
                ("area", &format!("{:.0}", s.area_m2)),
            ]
        )),
        escape(&say(
            lang,
            Key::Settings,
            &[
                ("tol", &r.config.tolerance_m.to_string()),
                ("rl", &r.config.residential_band[0].to_string()),
                ("rh", &r.config.residential_band[1].to_string()),
                ("sl", &r.config.scattered_band[0].to_string()),
                ("sh", &r.config.scattered_band[1].to_string()),
                ("split", &format!("{:.0}", r.config.split_share * 100.0)),
            ]
        )),
        escape(&say(
            lang,
            Key::MethodLine,
            &[("method", Key::Method.text(lang))]
        )),
    );
    summary(&mut h, r, lang);

    let problems: Vec<&Problem> = r.problems().collect();
    let shapes: Vec<Option<Geometry>> = problems
        .iter()
        .map(|p| {
            p.geometry
                .clone()
                .and_then(|g| Geometry::<f64>::try_from(g).ok())
        })
        .collect();
    let _ = write!(
        h,
        "<h2>{}</h2><p>{}</p>{}",
        t(Key::MapHeading),
        t(Key::MapNote),
        map::overview(r, input, &shapes, lang)
    );

    if problems.is_empty() {
        let _ = write!(h, "<p>{}</p>", t(Key::NoProblems));
    }
    let mut n = 0;
    for l in &r.levels {
        if l.problems.is_empty() {
            continue;
        }
        let _ = write!(
            h,
            "<h2>{}</h2>",
            escape(&say(
                lang,
                Key::ProblemsHeading,
                &[("level", &text::level(lang, l.level))]
            ))
        );
        for p in &l.problems {
            n += 1;
            let svg = if n <= MAX_MAPS {
                map::small(p, shapes[n - 1].as_ref(), lang)
            } else {
                String::new()
            };
            entry(&mut h, n, p, &svg, lang);
        }
    }
    h.push_str("</html>\n");
    h
}

fn summary(h: &mut String, r: &Report, lang: Lang) {
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr>",
        escape(Key::SummaryHeading.text(lang))
    );
    for k in [
        Key::ColLevel,
        Key::ColGrids,
        Key::ColTarget,
        Key::ColCovered,
        Key::ColCoverage,
        Key::ColHouseholds,
        Key::ColDefects,
        Key::ColWarnings,
        Key::ColNoiseGaps,
        Key::ColNoiseOverlaps,
        Key::ColNoiseOutside,
    ] {
        let _ = write!(h, "<th>{}", escape(k.text(lang)));
    }
    h.push_str("</tr>");
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
}

/// One problem of the list, numbered as on the map.
fn entry(h: &mut String, n: usize, p: &Problem, svg: &str, lang: Lang) {
    let sev = match p.severity {
        crate::coverage::Severity::Defect => "defect",
        crate::coverage::Severity::Warning => "warning",
    };
    let mut measures = String::new();
    if let Some(a) = p.area_m2 {
        let _ = write!(
            measures,
            " · {}",
            say(lang, Key::Area, &[("area", &format!("{a:.1}"))])
        );
    }
    if let Some(w) = p.width_m {
        let _ = write!(
            measures,
            " · {}",
            say(lang, Key::Width, &[("width", &format!("{w:.2}"))])
        );
    }
    let codes: Vec<&str> = p.grids.iter().map(|g| g.code.as_str()).collect();
    let _ = write!(
        h,
        "<div class=p id=p{n}>{svg}<div><b class={sev}><span class=n>{n}.</span>{} · {}</b>{}<br>{}<br><i>{}</i>{}<br><small>{}{}</small></div></div>",
        escape(text::kind(lang, p.kind)),
        escape(text::severity(lang, p.severity)),
        escape(&measures),
        escape(&text::message(lang, p)),
        escape(Key::FixLabel.text(lang)),
        escape(&text::fix(lang, p)),
        escape(Key::GridsLabel.text(lang)),
        if codes.is_empty() {
            "–".to_owned()
        } else {
            escape(&codes.join(", "))
        },
    );
}
