#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use super::report::{GridFacts, missing_message};
use super::*;

fn person(id: i64, employer: Employer) -> Staff {
    Staff {
        id,
        subdistrict_id: 1,
        name: format!("人员{id}"),
        employer,
        unit: String::new(),
        phone: None,
        phone_public: false,
        active: true,
    }
}

fn entry(staff_id: i64, role: &str) -> TeamEntry {
    TeamEntry {
        staff_id,
        role: role.into(),
    }
}

fn lookup<'s>(staff: &'s [Staff]) -> impl Fn(StaffId) -> Option<&'s Staff> + Copy {
    move |id| staff.iter().find(|s| s.id == id)
}

#[test]
fn each_level_takes_the_roles_of_10_2() {
    use Role::*;
    assert_eq!(
        roles_of(1),
        &[SubdistrictLeader, SectionHead, PartySecretary]
    );
    assert_eq!(
        roles_of(2),
        &[CommitteeMember, SubdistrictWorker, CommunityWorker]
    );
    assert_eq!(
        roles_of(3),
        &[BuildingHead, SubdistrictWorker, PropertyWorker]
    );
    assert!(roles_of(4).is_empty());
    assert!(DepartmentMember.belongs_to(2) && !DepartmentMember.belongs_to(4));
    for r in Role::ALL {
        assert_eq!(Role::parse(r.code()), Some(r));
    }
}

#[test]
fn a_full_team_passes_and_a_person_may_hold_two_roles() {
    let staff = [
        person(1, Employer::Other),
        person(2, Employer::SubdistrictOffice),
        person(3, Employer::PropertyCompany),
    ];
    let team = check_team(
        3,
        1,
        &[
            entry(1, "building_head"),
            entry(2, "subdistrict_worker"),
            entry(3, "property_worker"),
            entry(2, "department_member"),
        ],
        lookup(&staff),
    )
    .unwrap();
    assert_eq!(team.len(), 4);
    assert!(missing_roles(3, &team, lookup(&staff)).is_empty());
}

#[test]
fn a_role_of_another_level_is_refused_naming_entry_and_role() {
    let staff = [person(1, Employer::SubdistrictOffice)];
    let e = check_team(
        3,
        1,
        &[
            entry(1, "subdistrict_worker"),
            entry(1, "subdistrict_leader"),
        ],
        lookup(&staff),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(e[0].field, "members[1].role");
    assert!(e[0].reason.contains("街道领导"), "{}", e[0].reason);
    assert!(e[0].reason.contains("level-3"), "{}", e[0].reason);
    let e = check_team(4, 1, &[entry(1, "building_head")], lookup(&staff)).unwrap_err();
    assert!(e[0].reason.contains("no team roles"), "{}", e[0].reason);
    let e = check_team(1, 1, &[entry(1, "mayor")], lookup(&staff)).unwrap_err();
    assert!(e[0].reason.contains("unknown role"), "{}", e[0].reason);
}

#[test]
fn the_same_person_twice_in_one_role_is_refused() {
    let staff = [
        person(1, Employer::Community),
        person(2, Employer::Community),
    ];
    let e = check_team(
        2,
        1,
        &[
            entry(1, "community_worker"),
            entry(2, "community_worker"),
            entry(1, "community_worker"),
        ],
        lookup(&staff),
    )
    .unwrap_err();
    assert_eq!(e.len(), 1);
    assert_eq!(e[0].field, "members[2]");
    assert!(e[0].reason.contains("members[0]"), "{}", e[0].reason);
}

#[test]
fn unknown_foreign_or_departed_staff_are_refused() {
    let mut other = person(2, Employer::Community);
    other.subdistrict_id = 9;
    let mut gone = person(3, Employer::Community);
    gone.active = false;
    let staff = [other, gone];
    let e = check_team(
        2,
        1,
        &[
            entry(1, "community_worker"),
            entry(2, "community_worker"),
            entry(3, "community_worker"),
        ],
        lookup(&staff),
    )
    .unwrap_err();
    let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "members[0].staff_id",
            "members[1].staff_id",
            "members[2].staff_id"
        ]
    );
}

#[test]
fn missing_roles_are_named_in_the_standards_order() {
    let staff = [person(1, Employer::SubdistrictOffice)];
    let team = check_team(1, 1, &[entry(1, "section_head")], lookup(&staff)).unwrap();
    let m = missing_roles(1, &team, lookup(&staff));
    assert_eq!(m, [Role::SubdistrictLeader, Role::PartySecretary]);
    assert_eq!(
        missing_message(&m),
        "网格团队缺少：街道领导、社区书记（第 10.2 条）"
    );
    // A member who left no longer fills the role.
    let mut left = staff.clone();
    left[0].active = false;
    assert_eq!(missing_roles(1, &team, lookup(&left)).len(), 3);
}

#[test]
fn the_staffing_share_counts_office_and_community_staff_against_85_percent() {
    // 20 office and community staff, 17 in grids: 85 % exactly, met. Property
    // staff and departed staff do not count either way.
    let mut staff: Vec<Staff> = (1..=10)
        .map(|i| person(i, Employer::SubdistrictOffice))
        .collect();
    staff.extend((11..=20).map(|i| person(i, Employer::Community)));
    staff.push(person(21, Employer::PropertyCompany));
    let mut departed = person(22, Employer::Community);
    departed.active = false;
    staff.push(departed);
    let g = GridFacts {
        id: 100,
        code: "1",
        name: "a",
        level: 2,
        has_boundary: true,
    };
    let mut teams = HashMap::new();
    teams.insert(
        100,
        (1..=17)
            .chain([21])
            .map(|i| Assignment {
                staff_id: i,
                role: Role::CommunityWorker,
            })
            .collect::<Vec<_>>(),
    );
    let s = staffing_share(&staff, &[g], &teams);
    assert_eq!((s.part, s.whole), (17, 20));
    assert!(s.meets, "{s:?}");
    teams.get_mut(&100).unwrap().remove(0);
    let s = staffing_share(&staff, &[g], &teams);
    assert_eq!((s.part, s.whole, s.meets), (16, 20, false));
    // A team of a grid that no longer exists does not count.
    assert_eq!(staffing_share(&staff, &[], &teams).part, 0);
    assert_eq!(Share::new(0, 0, 0.85).ratio, None);
}

#[test]
fn a_grid_is_published_with_a_boundary_and_a_full_team() {
    let staff = [person(1, Employer::Community)];
    let full = check_team(
        2,
        1,
        &[
            entry(1, "committee_member"),
            entry(1, "subdistrict_worker"),
            entry(1, "community_worker"),
        ],
        lookup(&staff),
    )
    .unwrap();
    let g = |id, level, has_boundary| GridFacts {
        id,
        code: "c",
        name: "n",
        level,
        has_boundary,
    };
    let grids = [g(1, 2, true), g(2, 2, true), g(3, 2, false), g(4, 4, true)];
    let mut teams = HashMap::new();
    teams.insert(1, full.clone());
    teams.insert(3, full);
    let p = published_share(&grids, &teams, lookup(&staff));
    assert_eq!(p.unpublished, [2, 3]);
    assert_eq!((p.share.part, p.share.whole, p.share.meets), (2, 4, false));
    let problems = team_problems(&grids, &teams, lookup(&staff));
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].grid_id, 2);
    assert_eq!(problems[0].missing.len(), 3);
}

#[test]
fn a_staff_draft_is_checked_field_by_field() {
    let d = StaffDraft {
        name: " ".into(),
        employer: "city".into(),
        phone: Some("12345".into()),
        phone_public: true,
        ..Default::default()
    };
    let e = d.check(1).unwrap_err();
    let fields: Vec<_> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "employer", "phone"]);
    let d = StaffDraft {
        name: "王芳".into(),
        employer: "community".into(),
        phone_public: true,
        ..Default::default()
    };
    assert_eq!(d.check(1).unwrap_err()[0].field, "phone_public");
    let d = StaffDraft {
        name: "王芳".into(),
        employer: "community".into(),
        phone: Some("0512-6512 3456".into()),
        ..Default::default()
    };
    let s = d.check(1).unwrap();
    assert_eq!(s.phone.as_ref().unwrap().as_str(), "0512-65123456");
    assert!(s.public_phone().is_none(), "not marked public");
    assert!(s.active);
}

#[test]
fn every_level_has_duties_from_clause_9() {
    for l in 1..=3 {
        let d = duties::duties_of(l);
        assert!(d.len() >= 3, "level {l}");
        assert!(d.iter().all(|d| d.clause.starts_with(&format!("9.{l}."))));
    }
    assert!(duties::duties_of(4).is_empty());
}
