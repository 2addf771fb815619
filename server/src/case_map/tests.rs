use super::*;
use crate::cases::{Intake, Reporter, Source};

/// 2026-11-02 09:00 +08:00.
const NOW: i64 = 1_793_581_200;

fn case(id: i64, lon: f64, lat: f64) -> Case {
    let intake = Intake {
        source: Source::Hotline,
        category: "SJ-01-01".into(),
        urgency: None,
        lon,
        lat,
        address: "某路".into(),
        description: "垃圾".into(),
        reporter: Reporter::default(),
        photos: vec![],
        media_url: None,
        attributes: vec![],
        note: String::new(),
    };
    Case::reported(
        id,
        1,
        format!("2026-{id:06}"),
        vec![10, 20],
        &intake,
        Urgency::Normal,
        NOW,
    )
}

fn tile_at(lon: f64, lat: f64, z: u8) -> TileCoord {
    let r = gridd_tiles::tiles_covering(
        geo::Rect::new(geo::coord! {x: lon, y: lat}, geo::coord! {x: lon, y: lat}),
        z,
    );
    TileCoord::new(z, *r.x_range().start(), *r.y_range().start()).expect("a tile")
}

#[test]
fn due_follows_the_deadline_to_the_second() {
    let mut c = case(1, 24.94, 60.17);
    c.deadline = Some(NOW + 3 * 3600);
    let p = Pin::of(&c).expect("open");
    assert_eq!(p.due(NOW), Due::Ok);
    assert_eq!(p.changes_after(NOW), Some(NOW + 3600));
    assert_eq!(p.due(NOW + 3600 - 1), Due::Ok);
    assert_eq!(p.due(NOW + 3600), Due::Near);
    assert_eq!(p.changes_after(NOW + 3600), Some(NOW + 3 * 3600 + 1));
    assert_eq!(p.due(NOW + 3 * 3600), Due::Near);
    assert_eq!(p.due(NOW + 3 * 3600 + 1), Due::Overdue);
    assert_eq!(p.changes_after(NOW + 3 * 3600 + 1), None);
    c.deadline = None;
    assert_eq!(Pin::of(&c).expect("open").due(NOW), Due::None);
}

#[test]
fn finished_cases_leave_the_index() {
    let mut ix = Index::default();
    let mut c = case(7, 24.94, 60.17);
    assert_eq!(ix.apply(&c).len(), 1, "new: only where it is");
    assert!(ix.apply(&c).is_empty(), "unchanged: no tile changes");
    assert_eq!(ix.len(), 1);
    assert_eq!(ix.subdistricts.keys().copied().collect::<Vec<_>>(), vec![1]);
    c.stage = Stage::Closed;
    assert_eq!(ix.apply(&c).len(), 1, "finished: where it was");
    assert!(ix.is_empty());
    assert!(ix.subdistricts.is_empty());
    assert_eq!(ix.tree.size(), 0);
}

#[test]
fn a_tile_holds_only_visible_cases_and_clusters_below_zoom_15() {
    let mut ix = Index::default();
    // Three cases a few metres apart, one far away.
    for (id, lon) in [(1, 24.9400), (2, 24.94001), (3, 24.94002)] {
        ix.apply(&case(id, lon, 60.17));
    }
    ix.apply(&case(4, 25.5, 60.5));
    let z16 = tile_at(24.94, 60.17, 16);
    let (raw, until) = render(&ix, z16, NOW, &PinFilter::default(), |_| true);
    assert!(!raw.is_empty());
    assert_eq!(until, i64::MAX, "no deadline runs");
    let (none, _) = render(&ix, z16, NOW, &PinFilter::default(), |p| p.id == 4);
    assert!(
        none.is_empty(),
        "case 4 is not in this tile and the others are hidden"
    );
    // Clustered: one feature for the three, far fewer bytes than three points.
    let z10 = tile_at(24.94, 60.17, 10);
    let (one, _) = render(&ix, z10, NOW, &PinFilter::default(), |p| p.id == 1);
    let (three, _) = render(&ix, z10, NOW, &PinFilter::default(), |p| p.id != 4);
    assert!(!one.is_empty() && !three.is_empty());
    assert!(String::from_utf8_lossy(&three).contains("cluster"));
    assert!(!String::from_utf8_lossy(&one).contains("cluster"));
    assert!(String::from_utf8_lossy(&one).contains("2026-000001"));
}

#[test]
fn the_cache_keeps_a_tile_per_scope_until_a_case_or_the_clock_changes_it() {
    let map = CaseMap::new(1 << 20);
    let mut c = case(1, 24.94, 60.17);
    c.deadline = Some(NOW + 3 * 3600);
    map.apply(&c);
    let t = tile_at(24.94, 60.17, 14);
    let a = map.tile(1, &PinFilter::default(), t, NOW, |_| true);
    let b = map.tile(1, &PinFilter::default(), t, NOW + 60, |_| true);
    assert!(Arc::ptr_eq(&a, &b), "cached");
    assert_eq!(map.rendered(), 1);
    let hidden = map.tile(2, &PinFilter::default(), t, NOW, |_| false);
    assert!(hidden.raw.is_empty(), "another scope has its own tile");
    assert!(Arc::ptr_eq(
        &map.tile(1, &PinFilter::default(), t, NOW, |_| true),
        &a
    ));
    assert_eq!(map.rendered(), 2);
    // Near its deadline from NOW + 1 h: drawn again.
    let near = map.tile(1, &PinFilter::default(), t, NOW + 3600, |_| true);
    assert_eq!(map.rendered(), 3);
    assert_ne!(near.etag, a.etag);
    // A step changes the case: the tile is drawn again at every zoom.
    c.stage = Stage::Filed;
    map.apply(&c);
    map.tile(1, &PinFilter::default(), t, NOW + 3600, |_| true);
    assert_eq!(map.rendered(), 4);
    let far = tile_at(25.5, 60.5, 14);
    map.tile(1, &PinFilter::default(), far, NOW, |_| true);
    c.stage = Stage::Closed;
    map.apply(&c);
    map.tile(1, &PinFilter::default(), far, NOW, |_| true);
    assert_eq!(map.rendered(), 5, "a tile elsewhere stays cached");
    assert!(
        map.tile(1, &PinFilter::default(), t, NOW + 3600, |_| true)
            .raw
            .is_empty(),
        "closed: gone"
    );
}

#[test]
fn the_scope_key_depends_on_grants_not_their_order() {
    use crate::domain::access::Grant;
    let g: Vec<Grant> = ["operator@subdistrict:1", "grid_worker@grid:5"]
        .iter()
        .map(|s| Grant::parse(s).expect("a grant"))
        .collect();
    let mut a = Principal {
        user_id: Some(1),
        name: "a".into(),
        grants: g.clone(),
    };
    let mut b = Principal {
        user_id: Some(2),
        name: "b".into(),
        grants: g.into_iter().rev().collect(),
    };
    assert_eq!(scope_key(&a), scope_key(&b));
    a.grants.pop();
    assert_ne!(scope_key(&a), scope_key(&b));
    b.grants = vec![Grant::parse("department@subdistrict:1").expect("a grant")];
    let mut c = b.clone();
    c.name = "c".into();
    assert_ne!(
        scope_key(&b),
        scope_key(&c),
        "a department's units depend on the name"
    );
}

#[test]
fn near_finds_open_cases_of_the_category_in_the_box_since_a_time() {
    use crate::cases::duplicates::{DuplicateRule, candidates, search_box};
    let rule = DuplicateRule::default();
    let (lon, lat) = (24.94, 60.17);
    // 1 m of latitude in degrees.
    let m = 1.0 / 111_195.0;
    let mut ix = Index::default();
    ix.apply(&case(1, lon, lat + 30.0 * m)); // 30 m north: a duplicate
    ix.apply(&case(2, lon, lat + 70.0 * m)); // 70 m: in the box? no, outside 50 m
    let mut other = case(3, lon, lat + 10.0 * m);
    other.category = "BJ-01-01".into(); // another category
    ix.apply(&other);
    let mut old = case(4, lon, lat + 5.0 * m);
    old.reported_at = NOW - 8 * 86_400; // older than 7 days
    ix.apply(&old);
    let mut closed = case(5, lon, lat + 1.0 * m);
    closed.stage = Stage::Closed; // finished: never in the index
    ix.apply(&closed);
    let mut elsewhere = case(6, lon, lat + 2.0 * m);
    elsewhere.subdistrict_id = 2;
    ix.apply(&elsewhere);
    ix.apply(&case(7, lon + 40.0 * m / 60.17_f64.to_radians().cos(), lat)); // 40 m east

    let near = ix.near(
        1,
        "SJ-01-01",
        search_box(lon, lat, rule.radius_m),
        NOW - rule.days * 86_400,
    );
    let mut ids: Vec<i64> = near.iter().map(|n| n.id).collect();
    ids.sort_unstable();
    assert_eq!(ids, vec![1, 7], "the box holds 1 and 7 only: {near:?}");
    let c = candidates(&near, lon, lat, NOW, rule);
    assert_eq!(c.iter().map(|c| c.id).collect::<Vec<_>>(), vec![1, 7]);
    assert!((c[0].distance_m - 30.0).abs() < 0.2, "{c:?}");
    assert!((c[1].distance_m - 40.0).abs() < 0.2, "{c:?}");
}

#[test]
fn a_filtered_tile_draws_and_clusters_only_the_cases_that_pass() {
    let mut ix = Index::default();
    for (id, lon) in [(1, 24.9400), (2, 24.94001), (3, 24.94002)] {
        let mut c = case(id, lon, 60.17);
        if id == 3 {
            c.category = "BJ-01-01".into();
            c.source = Source::Patrol;
        }
        ix.apply(&c);
    }
    let all = PinFilter::default();
    let bj = PinFilter {
        category: Some("BJ-01-01".into()),
        ..Default::default()
    };
    let sj = PinFilter {
        category: Some("SJ-01-01".into()),
        ..Default::default()
    };
    let patrol = PinFilter {
        source: Some(Source::Patrol),
        ..Default::default()
    };
    let z16 = tile_at(24.94, 60.17, 16);
    let text = |f: &PinFilter, z: TileCoord| {
        let (raw, _) = render(&ix, z, NOW, f, |_| true);
        String::from_utf8_lossy(&raw).into_owned()
    };
    let t = text(&bj, z16);
    assert!(t.contains("2026-000003") && !t.contains("2026-000001") && !t.contains("2026-000002"));
    assert_eq!(
        text(&patrol, z16),
        t,
        "the source filter: the same one case"
    );
    let t = text(&sj, z16);
    assert!(t.contains("2026-000001") && t.contains("2026-000002") && !t.contains("2026-000003"));
    // Clustered at zoom 10: the three together; filtered, the two of SJ, or one lone point.
    let z10 = tile_at(24.94, 60.17, 10);
    assert!(text(&all, z10).contains("cluster"));
    assert!(text(&sj, z10).contains("cluster"));
    assert_ne!(text(&sj, z10), text(&all, z10), "a cluster of 2, not 3");
    let lone = text(&bj, z10);
    assert!(!lone.contains("cluster") && lone.contains("2026-000003"));
    // The subtree: every case lies in grids 10 and 20; none in 30.
    let in_grid = |g| PinFilter {
        grid: Some(g),
        ..Default::default()
    };
    assert_eq!(text(&in_grid(20), z16), text(&all, z16));
    assert!(text(&in_grid(30), z16).is_empty());
    // Reported before NOW: none; since NOW: all.
    let until = PinFilter {
        until: Some(NOW),
        ..Default::default()
    };
    assert!(text(&until, z16).is_empty());
    assert!(all.is_empty() && !until.is_empty());
    assert_eq!(all.key(7), 7, "no filter: the scope's own tiles");
    assert_ne!(bj.key(7), sj.key(7));
    assert_ne!(bj.key(7), bj.key(8));
}

#[test]
fn a_tile_of_overdue_cases_is_drawn_again_when_one_turns_overdue() {
    let map = CaseMap::new(1 << 20);
    let mut c = case(1, 24.94, 60.17);
    c.stage = Stage::Filed;
    c.deadline = Some(NOW + 600);
    map.apply(&c);
    let overdue = PinFilter {
        overdue: Some(true),
        ..Default::default()
    };
    let t = tile_at(24.94, 60.17, 16);
    assert!(
        map.tile(1, &overdue, t, NOW, |_| true).raw.is_empty(),
        "not yet"
    );
    assert!(map.tile(1, &overdue, t, NOW + 300, |_| true).raw.is_empty());
    assert_eq!(map.rendered(), 1, "cached while nothing changes");
    let late = map.tile(1, &overdue, t, NOW + 601, |_| true);
    assert_eq!(map.rendered(), 2, "drawn again once the deadline passed");
    assert!(String::from_utf8_lossy(&late.raw).contains("2026-000001"));
    // The unfiltered tile of the same scope is its own.
    assert!(
        !map.tile(1, &PinFilter::default(), t, NOW, |_| true)
            .raw
            .is_empty()
    );
    assert_eq!(map.rendered(), 3);
}
