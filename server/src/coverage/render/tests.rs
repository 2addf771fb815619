//! The auditor's page in both languages, its map and its escaping, on the
//! synthetic lattice with known defects.

use geo::{BoundingRect, Buffer, Coord, Geometry, Intersects, MapCoords};

use super::{Page, html};
use crate::coverage::synthetic::{self, Spec};
use crate::coverage::text::{self, Lang};
use crate::coverage::{Config, Input, LocalFrame, ProblemKind, Report, audit};
use crate::domain::grid::Grid;
use crate::domain::reference::Building;
use crate::domain::subdistrict::Subdistrict;

/// The lattice with a grid moved 20 m east (gap, outside the parent), one grown
/// by 5 m (overlaps),
/// a removed grid (gap, buildings in no grid), too many households and a
/// duplicate code; names that need escaping.
fn broken() -> (Subdistrict, Vec<Grid>, Vec<Building>) {
    let spec = Spec {
        jitter: 0.0,
        ..Spec::small()
    };
    let (mut s, mut g, mut b) = synthetic::hierarchy(&spec);
    let f = LocalFrame::new(spec.centre);
    let l3: Vec<usize> = (0..g.len()).filter(|&i| g[i].draft.level == 3).collect();
    let east = |i: usize| {
        f.project(&g[i].draft.geometry)
            .bounding_rect()
            .map_or(0.0, |r| r.max().x)
    };
    // on the subdistrict's east edge, so outside its parent once moved
    let edge = *l3
        .iter()
        .max_by(|&&a, &&c| east(a).total_cmp(&east(c)))
        .expect("an L3 grid");
    let moved = f.project(&g[edge].draft.geometry).map_coords(|c| Coord {
        x: c.x + 20.0,
        y: c.y,
    });
    g[edge].draft.geometry = Geometry::MultiPolygon(f.unproject(&moved));
    let grown = f.project(&g[l3[40]].draft.geometry).buffer(5.0);
    g[l3[40]].draft.geometry = Geometry::MultiPolygon(f.unproject(&grown));
    g[l3[50]].draft.households = Some(900);
    g[l3[2]].draft.code = g[l3[1]].draft.code.clone();
    s.name = "<script>alert(1)</script> & 街道".into();
    let removed = g.remove(l3[70]);
    let gone = removed.draft.geometry.bounding_rect().expect("bbox");
    let inside = b
        .iter()
        .position(|x| {
            x.footprint
                .bounding_rect()
                .is_some_and(|r| gone.intersects(&r.center()))
        })
        .expect("a building in the removed grid");
    b[inside].name = Some("A & B's \"tower\"".into());
    (s, g, b)
}

fn page(s: &Subdistrict, g: &[Grid], b: &[Building], page: Page) -> (Report, String) {
    let input = Input {
        subdistrict: s,
        grids: g.iter().collect(),
        buildings: b.iter().collect(),
    };
    let r = audit(&input, &Config::default());
    let h = html(&r, &input, page);
    (r, h)
}

fn zh() -> Page<'static> {
    Page {
        lang: Lang::Zh,
        other_language: Some("?format=html&lang=en"),
    }
}

fn en() -> Page<'static> {
    Page {
        lang: Lang::En,
        other_language: Some("?format=html&lang=zh"),
    }
}

/// The page after its style sheet: what a reader sees.
fn visible(h: &str) -> &str {
    &h[h.find("</style>").expect("style") + 8..]
}

#[test]
fn the_page_speaks_the_language_asked_for() {
    let (s, g, b) = broken();
    let (r, zh_page) = page(&s, &g, &b, zh());
    for kind in [
        ProblemKind::Gap,
        ProblemKind::Overlap,
        ProblemKind::OutsideParent,
        ProblemKind::TooManyHouseholds,
        ProblemKind::DuplicateCode,
        ProblemKind::BuildingUnassigned,
    ] {
        assert!(
            r.problems().any(|p| p.kind == kind),
            "{kind:?} in the fixture"
        );
    }
    assert!(zh_page.starts_with("<!doctype html><html lang=zh-CN>"));
    for word in [
        "覆盖检查",
        "未通过",
        "缺陷",
        "汇总",
        "问题分布图",
        "缺口",
        "重叠",
        "超出上级",
        "户数过多",
        "编码重复",
        "楼栋未归属",
        "三级网格的问题",
        "不在任何三级网格内",
        "建议：",
        ">English</a>",
    ] {
        assert!(zh_page.contains(word), "zh page lacks {word}");
    }
    for word in [
        "Coverage audit",
        "FAIL",
        "Summary",
        " m wide",
        "Fix:",
        "grids: ",
        "Overlap",
    ] {
        assert!(!zh_page.contains(word), "zh page has {word}");
    }

    let (_, en_page) = page(&s, &g, &b, en());
    assert!(en_page.starts_with("<!doctype html><html lang=en>"));
    for word in [
        "Coverage audit",
        "FAIL",
        "Summary",
        "Map of the problems",
        "Gap",
        "Overlap",
        "Outside the parent",
        "is in no level 3 grid",
        "Fix: ",
        ">中文</a>",
    ] {
        assert!(en_page.contains(word), "en page lacks {word}");
    }
    // nothing Chinese but names, codes and the switch link
    let en_text = visible(&en_page)
        .replace(&crate::html::escape(&s.name), "")
        .replace("中文", "")
        .replace("切换到中文", "");
    let cjk = en_text
        .chars()
        .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
        .count();
    let names: usize = g
        .iter()
        .map(|x| x.draft.name.chars().filter(|c| !c.is_ascii()).count())
        .sum();
    assert!(cjk <= names, "{cjk} Chinese characters on the English page");
    // every value filled in
    for p in [&zh_page, &en_page] {
        assert!(!visible(p).contains('{') && !visible(p).contains('}'));
    }
}

#[test]
fn the_map_comes_first_with_one_numbered_marker_per_problem() {
    let (s, g, b) = broken();
    let (r, h) = page(&s, &g, &b, zh());
    let n = r.problems().count();
    assert!(n >= 6, "{n}");
    assert_eq!(h.matches("<g class=mk>").count(), n);
    assert_eq!(h.matches("<div class=p id=p").count(), n);
    let map = h.find("<svg class=map").expect("the overview map");
    assert!(map < h.find("id=p1>").expect("the first entry"));
    for i in 1..=n {
        assert!(h.contains(&format!(">{i}</text></g>")), "marker {i}");
        assert!(h.contains(&format!("id=p{i}>")), "entry {i}");
    }
    // an unquoted value would swallow the slash of `/>` and nest what follows
    assert!(
        h.match_indices("/>").all(|(i, _)| h[..i].ends_with('"')),
        "every self-closed element ends with a quoted value"
    );
    // the legend counts each kind
    let gaps = r.problems().filter(|p| p.kind == ProblemKind::Gap).count();
    assert!(h.contains(&format!("缺口（{gaps}）")), "legend");
    // a clean subdistrict gets the map of its grids and no marker
    let (s, g, b) = synthetic::hierarchy(&Spec::small());
    let (r, h) = page(&s, &g, &b, zh());
    assert!(r.is_clean());
    assert!(h.contains("<svg class=map") && h.contains("没有问题。"));
    assert_eq!(h.matches("<g class=mk>").count(), r.problems().count());
    assert!(h.contains("通过：没有缺陷"));
}

#[test]
fn names_are_escaped_and_nothing_is_loaded() {
    let (s, g, b) = broken();
    let (_, h) = page(&s, &g, &b, zh());
    assert!(!h.contains("<script"), "a name's markup is never markup");
    assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; 街道"));
    assert!(h.contains("A &amp; B&#39;s &quot;tower&quot;"));
    assert!(!h.contains("src=") && !h.contains("<link") && !h.contains("url("));
    // the only link is the language switch, to the same page
    assert_eq!(h.matches("href=").count(), 1);
    assert!(h.contains("href=\"?format=html&amp;lang=en\""));
    // a page for a file has no switch
    let (_, h) = page(
        &s,
        &g,
        &b,
        Page {
            lang: Lang::En,
            other_language: None,
        },
    );
    assert!(!h.contains("href="));
}

#[test]
fn json_words_stay_english_unless_asked() {
    let (s, g, b) = broken();
    let input = Input {
        subdistrict: &s,
        grids: g.iter().collect(),
        buildings: b.iter().collect(),
    };
    let mut r = audit(&input, &Config::default());
    let gap = r
        .problems()
        .find(|p| p.kind == ProblemKind::Gap)
        .expect("a gap");
    assert!(
        gap.message.contains("is in no level 3 grid"),
        "{}",
        gap.message
    );
    let english: Vec<String> = r.problems().map(|p| p.message.clone()).collect();
    text::reword_report(&mut r, Lang::Zh);
    for (p, en) in r.problems().zip(&english) {
        assert_ne!(&p.message, en);
        assert!(
            p.message
                .chars()
                .chain(p.fix.chars())
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{} / {}",
            p.message,
            p.fix
        );
    }
    text::reword_report(&mut r, Lang::En);
    let again: Vec<String> = r.problems().map(|p| p.message.clone()).collect();
    assert_eq!(again, english);
}
