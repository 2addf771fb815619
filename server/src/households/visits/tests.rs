use super::*;
use crate::households::household::SpecialKind;

/// Unix seconds of an RFC 3339 time.
fn t(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp()
}

fn ordinary(id: i64, grid: GridId) -> Subject {
    Subject {
        household_id: id,
        grid_id: grid,
        special: SpecialKinds::NONE,
        since: t("2020-01-01T00:00:00+08:00"),
    }
}

fn special(id: i64, grid: GridId) -> Subject {
    Subject {
        special: [SpecialKind::SubsistenceAllowance].into_iter().collect(),
        ..ordinary(id, grid)
    }
}

fn visit(household_id: i64, worker_id: WorkerId, at: &str) -> VisitMark {
    VisitMark {
        household_id,
        worker_id,
        at: t(at),
        outcome: Outcome::Visited,
    }
}

fn run(now: &str, subjects: &[Subject], visits: &[VisitMark]) -> Compliance {
    compliance(
        2026,
        t(now),
        subjects,
        visits.iter().copied(),
        &HashMap::new(),
        &HashMap::new(),
    )
}

#[test]
fn quarters_are_those_of_asia_shanghai() {
    let q = quarter_starts(2026).unwrap();
    assert_eq!(q[0], t("2026-01-01T00:00:00+08:00"));
    assert_eq!(q[0], t("2025-12-31T16:00:00Z"));
    assert_eq!(q[1], t("2026-04-01T00:00:00+08:00"));
    assert_eq!(q[4], t("2027-01-01T00:00:00+08:00"));
    // 23:30 in Shanghai on 31 March is 15:30 UTC: still the first quarter.
    assert_eq!(year_quarter(t("2026-03-31T23:30:00+08:00")), (2026, 1));
    assert_eq!(year_quarter(t("2026-04-01T00:00:00+08:00")), (2026, 2));
    // 00:10 on 1 January in Shanghai is still 2026 in UTC: it is 2027's.
    assert_eq!(year_quarter(t("2027-01-01T00:10:00+08:00")), (2027, 1));
    assert_eq!(year_quarter(t("2026-12-31T23:59:59+08:00")), (2026, 4));
}

#[test]
fn a_visit_late_on_31_march_counts_for_the_first_quarter() {
    let s = [special(1, 100)];
    let c = run(
        "2026-04-02T12:00:00+08:00",
        &s,
        &[visit(1, 7, "2026-03-31T23:30:00+08:00")],
    );
    let h = &c.households[0];
    assert_eq!(h.quarters[0], Standing::Done);
    assert_eq!(h.quarters[1], Standing::Due);
    assert_eq!(h.quarters[2..], [Standing::NotYet, Standing::NotYet]);
    // The same instant read as UTC's date would be 31 March too; one hour later in
    // Shanghai (00:30 on 1 April, 16:30 UTC on 31 March) is the second quarter's.
    let c = run(
        "2026-04-02T12:00:00+08:00",
        &s,
        &[visit(1, 7, "2026-04-01T00:30:00+08:00")],
    );
    assert_eq!(c.households[0].quarters[0], Standing::Overdue);
    assert_eq!(c.households[0].quarters[1], Standing::Done);
}

#[test]
fn a_visit_after_new_year_in_shanghai_is_the_next_years() {
    let s = [ordinary(1, 100)];
    let v = [
        visit(1, 7, "2026-06-01T10:00:00+08:00"),
        visit(1, 7, "2027-01-01T00:10:00+08:00"),
    ];
    let c = run("2027-01-02T00:00:00+08:00", &s, &v);
    assert_eq!(c.households[0].visits, 1);
    assert_eq!(c.households[0].year, Standing::Overdue);
}

#[test]
fn a_special_household_that_misses_one_quarter_is_overdue_for_it_only() {
    let s = [special(1, 100)];
    let v = [
        visit(1, 7, "2026-02-10T10:00:00+08:00"),
        visit(1, 7, "2026-08-10T10:00:00+08:00"),
        visit(1, 7, "2026-11-10T10:00:00+08:00"),
    ];
    let c = run("2027-01-05T09:00:00+08:00", &s, &v);
    let h = &c.households[0];
    assert_eq!(
        h.quarters,
        [
            Standing::Done,
            Standing::Overdue,
            Standing::Done,
            Standing::Done
        ]
    );
    assert_eq!(h.year, Standing::Done);
    assert_eq!((h.visits, h.visits_needed()), (3, 0));
    assert_eq!(h.overall(), Standing::Overdue);
    assert_eq!(h.in_quarter(2), Standing::Overdue);
    assert_eq!(h.in_quarter(3), Standing::Done);
    assert_eq!(h.last_visit, Some(t("2026-11-10T10:00:00+08:00")));
    assert_eq!(c.total.quarter_rate(1), Some(1.0));
    assert_eq!(c.total.quarter_rate(2), Some(0.0));
    assert_eq!(c.total.quarters[1].overdue, 1);

    // In the middle of the second quarter it is due, not overdue, and the later
    // quarters have not begun.
    let c = run("2026-05-15T09:00:00+08:00", &s, &v);
    let h = &c.households[0];
    assert_eq!(
        h.quarters,
        [
            Standing::Done,
            Standing::Due,
            Standing::NotYet,
            Standing::NotYet
        ]
    );
    assert_eq!(h.year, Standing::Due);
    assert_eq!(h.overall(), Standing::Due);
}

#[test]
fn a_household_visited_once_in_a_year_is_due_then_overdue() {
    let s = [ordinary(1, 100), ordinary(2, 100)];
    let v = [
        visit(1, 7, "2026-03-01T10:00:00+08:00"),
        visit(2, 7, "2026-03-01T10:00:00+08:00"),
        visit(2, 8, "2026-05-01T10:00:00+08:00"),
    ];
    let c = run("2026-07-01T00:00:00+08:00", &s, &v);
    assert_eq!(c.households[0].year, Standing::Due);
    assert_eq!(c.households[0].visits_needed(), 1);
    assert_eq!(c.households[0].quarters, [Standing::NotRequired; 4]);
    assert_eq!(c.households[0].overall(), Standing::Due);
    // Not special: its quarter is its year.
    assert_eq!(c.households[0].in_quarter(3), Standing::Due);
    assert_eq!(c.households[1].year, Standing::Done);
    assert_eq!(c.total.year_rate(), Some(0.5));
    let c = run("2027-01-01T00:00:00+08:00", &s, &v);
    assert_eq!(c.households[0].year, Standing::Overdue);
    assert_eq!(c.households[1].year, Standing::Done);
}

#[test]
fn attempts_future_visits_and_late_records_do_not_count() {
    let mut late = special(3, 100);
    late.since = t("2026-09-15T00:00:00+08:00");
    let s = [ordinary(1, 100), ordinary(2, 100), late];
    let mut not_home = visit(1, 7, "2026-03-01T10:00:00+08:00");
    not_home.outcome = Outcome::NotHome;
    let v = [
        not_home,
        visit(1, 7, "2026-04-01T10:00:00+08:00"),
        // After "now": an as-of reading ignores it.
        visit(2, 7, "2026-08-01T10:00:00+08:00"),
        visit(2, 7, "2026-08-02T10:00:00+08:00"),
        // Unknown household.
        visit(99, 7, "2026-04-01T10:00:00+08:00"),
    ];
    let c = run("2026-07-31T00:00:00+08:00", &s, &v);
    assert_eq!(c.households[0].visits, 1);
    assert_eq!(c.households[1].visits, 0);
    // Recorded on 15 September: the first two quarters are not required of it; the
    // third (which ended after it was recorded) is overdue, the fourth still due.
    let c = run("2026-12-31T12:00:00+08:00", &s, &v);
    assert_eq!(
        c.households[2].quarters,
        [
            Standing::NotRequired,
            Standing::NotRequired,
            Standing::Overdue,
            Standing::Due
        ]
    );
    assert_eq!(c.total.quarters[0].required, 0);
    assert_eq!(c.total.quarters[2].required, 1);
    let c = run("2027-01-01T12:00:00+08:00", &s, &v);
    assert_eq!(c.households[2].quarters[3], Standing::Overdue);
}

#[test]
fn roll_ups_by_grid_and_worker() {
    // L1 1 ⊃ L2 10 ⊃ L3 100, 101; L1 1 ⊃ L2 11 ⊃ L3 110.
    let parent: HashMap<GridId, GridId> =
        [(10, 1), (11, 1), (100, 10), (101, 10), (110, 11)].into();
    // Worker 7 on L2 10 and on L3 100 (counted once per household); worker 8 on 110;
    // worker 9 on a grid with no households.
    let teams: HashMap<GridId, Vec<WorkerId>> = [
        (10, vec![7]),
        (100, vec![7]),
        (110, vec![8]),
        (999, vec![9]),
    ]
    .into();
    let s = [
        ordinary(1, 100),
        special(2, 101),
        ordinary(3, 110),
        special(4, 110),
    ];
    let v = [
        visit(1, 7, "2026-01-10T10:00:00+08:00"),
        visit(1, 7, "2026-02-10T10:00:00+08:00"),
        visit(2, 7, "2026-01-10T10:00:00+08:00"),
        visit(4, 8, "2026-01-10T10:00:00+08:00"),
        visit(4, 8, "2026-04-10T10:00:00+08:00"),
    ];
    let c = compliance(
        2026,
        t("2026-05-01T00:00:00+08:00"),
        &s,
        v.iter().copied(),
        &parent,
        &teams,
    );
    let g = |id| c.by_grid[&id];
    assert_eq!(
        (g(1).households, g(10).households, g(11).households),
        (4, 2, 2)
    );
    assert_eq!(
        (g(100).households, g(101).households, g(110).households),
        (1, 1, 2)
    );
    // As of 1 May: 1 done (twice); 2 due (once this year, nothing yet in Q2);
    // 3 due (never visited); 4 done (twice, Q1 and Q2 each once, Q3/Q4 not begun).
    assert_eq!(
        c.households
            .iter()
            .map(HouseholdStatus::overall)
            .collect::<Vec<_>>(),
        [Standing::Done, Standing::Due, Standing::Due, Standing::Done]
    );
    assert_eq!((g(1).done, g(1).due, g(1).overdue), (2, 2, 0));
    assert_eq!((g(10).done, g(10).due), (1, 1));
    assert_eq!(
        (g(1).special, g(1).quarters[0].done, g(1).quarters[1].due),
        (2, 2, 1)
    );
    assert_eq!(g(1).visits, 5);
    let w7 = c.by_worker[&7];
    assert_eq!((w7.households.households, w7.visits_made), (2, 3));
    let w8 = c.by_worker[&8];
    assert_eq!(
        (w8.households.households, w8.households.due, w8.visits_made),
        (2, 1, 2)
    );
    assert_eq!(c.by_worker[&9], WorkerTally::default());
    // The due list of L2 10, and of the second quarter everywhere.
    let due: Vec<i64> = c
        .list(Some(10), None, Standing::Due)
        .map(|h| h.household_id)
        .collect();
    assert_eq!(due, [2]);
    let q2: Vec<i64> = c
        .list(None, Some(2), Standing::Due)
        .map(|h| h.household_id)
        .collect();
    assert_eq!(q2, [2, 3]);
    assert_eq!(c.total.year_rate(), Some(0.5));
}

#[test]
fn a_year_not_begun_is_not_yet_and_one_recorded_after_it_not_required() {
    let mut later = special(2, 100);
    later.since = t("2027-03-01T00:00:00+08:00");
    let s = [special(1, 100), later];
    let c = run("2025-12-31T23:00:00+08:00", &s, &[]);
    assert_eq!(c.households[0].year, Standing::NotYet);
    assert_eq!(c.households[0].quarters, [Standing::NotYet; 4]);
    assert_eq!(c.households[0].overall(), Standing::NotYet);
    assert_eq!(c.total.year_rate(), Some(0.0));
    assert_eq!(c.total.quarter_rate(1), None);
    let c = run("2027-06-01T00:00:00+08:00", &s, &[]);
    assert_eq!(c.households[1].year, Standing::NotRequired);
    assert_eq!(c.households[1].overall(), Standing::NotRequired);
    assert_eq!(c.total.year_required, 1);
}

#[test]
fn visits_in_the_future_are_refused() {
    let now = t("2026-12-03T10:00:00+08:00");
    let d = VisitDraft {
        household_id: 1,
        at: now - 3600,
        outcome: Outcome::Visited,
        note: "家中老人身体良好\n".into(),
        photos: vec![],
        record_confirmed: true,
    };
    let known = |h: i64| h == 1;
    let v = check_visit(&d, 7, now, &known).unwrap();
    assert_eq!(
        (v.worker_id, v.at, v.note.as_str()),
        (7, now - 3600, "家中老人身体良好")
    );
    // A phone a minute ahead is accepted, at the server's time.
    let ahead = VisitDraft {
        at: now + 60,
        ..d.clone()
    };
    assert_eq!(check_visit(&ahead, 7, now, &known).unwrap().at, now);
    let future = VisitDraft {
        at: now + 3600,
        household_id: 2,
        note: "a\u{0}b".into(),
        ..d.clone()
    };
    let e = check_visit(&future, 7, now, &known).unwrap_err();
    let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["household_id", "at", "note"]);
    assert!(e[1].reason.contains("future"), "{}", e[1].reason);
}

/// 100,000 households (one in ten special) in 1,000 L3 grids under 100 L2 and 10
/// L1, three visits each on average.
#[test]
#[ignore = "timing: cargo test -p gridd --lib households::visits -- --ignored --nocapture"]
fn timing_100k_households() {
    let n = 100_000i64;
    let subjects: Vec<Subject> = (0..n)
        .map(|i| {
            let grid = 10_000 + i % 1000;
            if i % 10 == 0 {
                special(i, grid)
            } else {
                ordinary(i, grid)
            }
        })
        .collect();
    let mut parent = HashMap::new();
    let mut teams = HashMap::new();
    for g in 0..1000 {
        parent.insert(10_000 + g, 1_000 + g / 10);
        teams.insert(10_000 + g, vec![g, g + 1000]);
    }
    for g in 0..100 {
        parent.insert(1_000 + g, 100 + g / 10);
    }
    let start = t("2026-01-01T00:00:00+08:00");
    let visits: Vec<VisitMark> = (0..3 * n)
        .map(|k| VisitMark {
            household_id: (k * 7919) % n,
            worker_id: k % 2000,
            at: start + (k * 97) % (330 * 86_400),
            outcome: Outcome::Visited,
        })
        .collect();
    let now = t("2026-12-03T10:00:00+08:00");
    let t0 = std::time::Instant::now();
    let c = compliance(
        2026,
        now,
        &subjects,
        visits.iter().copied(),
        &parent,
        &teams,
    );
    let overdue = c.list(None, None, Standing::Overdue).count();
    let due_l1 = c.list(Some(100), None, Standing::Due).count();
    println!(
        "compliance of {n} households, {} visits, with lists: {:?} (overdue {overdue}, due in one L1 {due_l1}, total {:?})",
        visits.len(),
        t0.elapsed(),
        c.total
    );
    assert_eq!(c.households.len(), 100_000);
}
