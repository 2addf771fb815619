use geo::{Coord, Covers, Geometry, coord, polygon};

use super::batch::{self, Format};
use super::synthetic::{Tessellation, city, points};
use crate::error::Error;
use crate::index::Atlas;
use crate::index::prepared::{Position, PreparedArea};

fn small() -> Tessellation {
    Tessellation {
        l1: (3, 2),
        l2: (2, 3),
        l3: (3, 2),
        ..Tessellation::default()
    }
}

#[test]
fn prepared_agrees_with_geo_covers() {
    let (_, grids) = city(&small());
    let pts = points(small().extent(), 20_000, 7);
    for g in grids.iter().take(40) {
        let a = PreparedArea::new(&g.draft.geometry);
        for p in &pts {
            assert_eq!(
                a.covers(*p),
                g.draft.geometry.covers(p),
                "grid {} at {p:?}",
                g.draft.code
            );
        }
    }
}

#[test]
fn boundary_vertices_and_holes() {
    let sq = Geometry::Polygon(
        polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0)],
    );
    let a = PreparedArea::new(&sq);
    assert_eq!(a.position(coord! { x: 1.0, y: 1.0 }), Position::Inside);
    assert_eq!(a.position(coord! { x: 0.0, y: 0.0 }), Position::OnBoundary);
    assert_eq!(a.position(coord! { x: 1.0, y: 2.0 }), Position::OnBoundary);
    assert_eq!(a.position(coord! { x: 2.0, y: 1.5 }), Position::OnBoundary);
    assert_eq!(
        a.position(coord! { x: 2.0000001, y: 1.0 }),
        Position::Outside
    );
    // A hole oriented like its exterior still is a hole (even–odd).
    let holed = Geometry::Polygon(geo::Polygon::new(
        geo::LineString::from(vec![
            (0.0, 0.0),
            (4.0, 0.0),
            (4.0, 4.0),
            (0.0, 4.0),
            (0.0, 0.0),
        ]),
        vec![geo::LineString::from(vec![
            (1.0, 1.0),
            (3.0, 1.0),
            (3.0, 3.0),
            (1.0, 3.0),
            (1.0, 1.0),
        ])],
    ));
    let h = PreparedArea::new(&holed);
    assert_eq!(h.position(coord! { x: 2.0, y: 2.0 }), Position::Outside);
    assert_eq!(h.position(coord! { x: 1.0, y: 2.0 }), Position::OnBoundary);
    assert_eq!(h.position(coord! { x: 0.5, y: 2.0 }), Position::Inside);
    assert_eq!(
        PreparedArea::new(&Geometry::Point(geo::Point::new(0.0, 0.0)))
            .position(coord! { x: 0.0, y: 0.0 }),
        Position::Outside
    );
}

/// The reference: per level, every grid that covers the point (geo), smallest code.
fn brute(atlas: &Atlas, p: Coord) -> [Option<i64>; 5] {
    let mut out = [None; 5];
    for (l, slot) in (1u8..=5).zip(out.iter_mut()) {
        *slot = atlas.covering(l, p).first().map(|g| g.grid.id);
    }
    out
}

#[test]
fn placement_agrees_with_brute_force_including_shared_edges() {
    let t = small();
    let (subs, grids) = city(&t);
    // Points on lattice vertices and edge points: shared by up to four grids per level.
    let mut pts = points(t.extent(), 20_000, 11);
    for g in grids.iter().filter(|g| g.draft.level == 3).take(30) {
        if let Geometry::Polygon(p) = &g.draft.geometry {
            pts.extend(p.exterior().coords().copied());
        }
    }
    let atlas = Atlas::build(subs, grids, vec![], vec![]);
    let mut on_edges = 0;
    for p in &pts {
        let got = atlas.place(*p);
        assert_eq!(got.path, brute(&atlas, *p), "at {p:?}");
        if (1..=3).any(|l| atlas.covering(l, *p).len() > 1) {
            on_edges += 1;
        }
        if got.inside() {
            assert_eq!(got.subdistrict, Some(1));
        }
    }
    assert!(
        on_edges > 100,
        "the test must hit shared edges ({on_edges})"
    );
}

#[test]
fn answer_has_the_full_path_in_level_order_and_outside_is_explicit() {
    let t = small();
    let (subs, grids) = city(&t);
    let atlas = Atlas::build(subs, grids, vec![], vec![]);
    let a = atlas.lookup(t.centre());
    assert!(a.inside);
    assert_eq!(
        a.path.iter().map(|g| g.level).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert!(
        a.path[1].code.starts_with(&a.path[0].code) && a.path[2].code.starts_with(&a.path[1].code)
    );
    assert_eq!(
        a.subdistrict.as_ref().map(|s| s.code.as_str()),
        Some(t.code)
    );
    let far = atlas.lookup(coord! { x: 0.0, y: 0.0 });
    assert!(!far.inside && far.path.is_empty() && far.subdistrict.is_none());
}

#[test]
fn edits_move_answers_at_once() {
    let t = small();
    let (subs, grids) = city(&t);
    let mut atlas = Atlas::build(subs, grids.clone(), vec![], vec![]);
    let p = t.centre();
    let l3 = atlas.place(p).path[2].expect("an L3 grid");
    let old = atlas.remove_grid(l3).expect("present");
    assert_eq!(atlas.place(p).path[2], None);
    assert!(atlas.place(p).path[1].is_some());
    atlas.put_grid(old.grid.clone());
    assert_eq!(atlas.place(p).path[2], Some(l3));
    // Move the grid far away: the point loses it, the new place gains it.
    let mut moved = old.grid.clone();
    moved.draft.geometry = Geometry::Polygon(
        polygon![(x: 10.0, y: 10.0), (x: 11.0, y: 10.0), (x: 11.0, y: 11.0), (x: 10.0, y: 11.0)],
    );
    atlas.put_grid(moved);
    assert_eq!(atlas.place(p).path[2], None);
    assert_eq!(atlas.place(coord! { x: 10.5, y: 10.5 }).path[2], Some(l3));
    assert_eq!(
        atlas.place(coord! { x: 10.5, y: 10.5 }).subdistrict,
        Some(1)
    );
}

#[test]
fn incremental_inserts_match_bulk_build() {
    let t = small();
    let (subs, grids) = city(&t);
    let bulk = Atlas::build(subs.clone(), grids.clone(), vec![], vec![]);
    let mut inc = Atlas::build(subs, vec![], vec![], vec![]);
    // Insert in an order that keeps growing the extent.
    let mut order = grids;
    order.reverse();
    for g in order {
        inc.put_grid(g);
    }
    for p in points(t.extent(), 5_000, 3) {
        assert_eq!(inc.place(p), bulk.place(p));
    }
}

#[test]
fn batch_formats() {
    let json = br#"[[24.9, 60.1], {"lon": 24.8, "lat": 60.2}, {"lng": 1, "lat": 2, "id": "x"}, [1, 2, 30]]"#;
    let v = batch::parse(json, Format::Json).expect("json");
    assert_eq!(v.len(), 4);
    assert_eq!(v[1], coord! { x: 24.8, y: 60.2 });
    let fc = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":[1,2]},"geometry":{"type":"Point","coordinates":[3.5,4.5]}}]}"#;
    assert_eq!(
        batch::parse(fc, Format::Json).expect("geojson"),
        vec![coord! { x: 3.5, y: 4.5 }]
    );
    let csv = b"id,Lat,Lon\n1,60.1,24.9\n2,60.2,24.8\n";
    assert_eq!(
        batch::parse(csv, Format::Csv).expect("csv"),
        vec![coord! { x: 24.9, y: 60.1 }, coord! { x: 24.8, y: 60.2 }]
    );
}

fn field_of<T: std::fmt::Debug>(r: Result<T, Error>) -> String {
    match r {
        Err(Error::Invalid(v)) => v[0].field.clone(),
        other => panic!("not invalid: {other:?}"),
    }
}

#[test]
fn bad_points_name_their_index() {
    assert_eq!(
        field_of(batch::parse(br#"[[1,2],[3,4],[5]]"#, Format::Json)),
        "points[2]"
    );
    assert_eq!(
        field_of(batch::parse(br#"[[1,2],{"lon":1}]"#, Format::Json)),
        "points[1]"
    );
    assert_eq!(
        field_of(batch::parse(br#"[[1,2],[300,4]]"#, Format::Json)),
        "points[1]"
    );
    assert_eq!(
        field_of(batch::parse(br#"[[1,2],"x"]"#, Format::Json)),
        "points[1]"
    );
    let fc = br#"{"type":"FeatureCollection","features":[{"geometry":{"type":"Point","coordinates":[1,2]}},{"geometry":{"type":"LineString","coordinates":[[1,2],[3,4]]}}]}"#;
    assert_eq!(field_of(batch::parse(fc, Format::Json)), "features[1]");
    assert_eq!(
        field_of(batch::parse(b"lon,lat\n1,2\n3,x\n", Format::Csv)),
        "points[1]"
    );
    assert_eq!(field_of(batch::parse(b"a,b\n1,2\n", Format::Csv)), "header");
    assert_eq!(field_of(batch::parse(b"[[1,2]", Format::Json)), "points[1]"); // cut short there
    assert_eq!(field_of(batch::parse(b"\"hello\"", Format::Json)), "body");
}
