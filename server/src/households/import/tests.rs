use std::collections::HashSet;

use super::*;
use crate::households::household::SpecialKind;
use crate::households::id_number::complete;

fn key() -> IdKey {
    IdKey::new(&[9; 32]).unwrap()
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn building(s: &str) -> Option<i64> {
    match s {
        "B1" => Some(1),
        "B2" => Some(2),
        "平江路88号" => Some(3),
        _ => s.parse().ok().filter(|n| (100..200).contains(n)),
    }
}

fn run(
    csv: &str,
    named: &[(Column, &str)],
    taken: &HashSet<IdHash>,
) -> (Result<Imported, ImportError>, Vec<Progress>) {
    let k = key();
    let cx = Context {
        key: &k,
        today: today(),
        building: &building,
        id_taken: &|h| taken.contains(h),
        household_exists: &|b, u, r| (b, u, r) == (3, "1", "999"),
    };
    let mut seen = Vec::new();
    let r = import_csv(csv.as_bytes(), named, &cx, &mut |p| seen.push(p));
    (r, seen)
}

const HEADER: &str = "楼栋,地址,单元,室,姓名,电话,身份证号,与户主关系,特殊家庭\n";

#[test]
fn households_are_grouped_by_building_unit_and_room() {
    let csv = format!(
        "\u{feff}{HEADER}\
         B1,平江路1号,1,101,张三,13800138000,11010519491231002x,户主,低保\n\
         B1,平江路1号,1,102,钱七,0512-65123456,,户主,\n\
         B1,,1,101,李四,,320508199001011232,配偶,残疾\n\
         ,,,,,,,,\n\
         平江路88号,平江路88号,,3,\"王 \"\"五\"\"\",,,,\n"
    );
    let (r, progress) = run(&csv, &[], &HashSet::new());
    let imp = r.unwrap();
    assert_eq!((imp.rows, imp.people), (4, 4));
    assert_eq!(imp.households.len(), 3);
    let h = &imp.households[0];
    assert_eq!(
        (h.building_id, h.unit.as_str(), h.room.as_str()),
        (1, "1", "101")
    );
    assert_eq!(h.address, "平江路1号");
    assert_eq!(h.people.len(), 2);
    assert_eq!(h.people[1].name, "李四");
    assert_eq!(h.people[1].relation.as_deref(), Some("配偶"));
    assert_eq!(
        h.people[0].id_number.as_ref().unwrap().masked,
        "110105********002X"
    );
    // The household's kinds are the union of its rows'.
    assert_eq!(
        h.special.iter().collect::<Vec<_>>(),
        [SpecialKind::Disabled, SpecialKind::SubsistenceAllowance]
    );
    assert_eq!(
        imp.households[1].people[0].phone.as_ref().unwrap().as_str(),
        "0512-65123456"
    );
    assert_eq!(imp.households[2].building_id, 3);
    assert_eq!(imp.households[2].people[0].name, "王 \"五\"");
    assert_eq!(
        progress.last(),
        Some(&Progress {
            rows: 4,
            bad_rows: 0
        })
    );
}

#[test]
fn every_planted_bad_row_is_named_and_nothing_is_accepted() {
    let taken_id = "320508198001010024";
    let k = key();
    let taken: HashSet<IdHash> = [k.hash(&IdNumber::parse(taken_id, today()).unwrap())].into();
    let csv = format!(
        "{HEADER}\
         B1,平江路1号,1,101,张三,13800138000,11010519491231002X,户主,低保\n\
         B9,,1,101,李四,,,,\n\
         B2,,1,201,王五,1380013800,,,\n\
         B2,,1,202,赵六,,110105194912310021,,\n\
         B2,,1,203,钱七,,11010519491231002x,,\n\
         B2,,1,204,,13900139000,,,\n\
         B2,,1,205,孙八,,110105200002300012,,\n\
         B2,,1,206\n\
         B2,,1,207,周九,,,,特困\n\
         B2,,1,208,吴十,,{taken_id},,\n\
         B1,另一个地址,1,101,郑一,,,,\n\
         平江路88号,,1,999,冯二,,,,\n\
         B2,,1,209,陈三,12345,abc,,\n\
         B2,,1,210,褚四,13700137000,320508197511110039,,单亲\n"
    );
    let (r, _) = run(&csv, &[], &taken);
    let e = r.unwrap_err();
    let got: Vec<(u64, Option<Column>)> = e.errors.iter().map(|e| (e.row, e.column)).collect();
    use Column as C;
    assert_eq!(
        got,
        [
            (3, Some(C::Building)),
            (4, Some(C::Phone)),
            (5, Some(C::IdNumber)),
            (6, Some(C::IdNumber)),
            (7, Some(C::Name)),
            (8, Some(C::IdNumber)),
            (9, None),
            (10, Some(C::Special)),
            (11, Some(C::IdNumber)),
            (12, Some(C::Address)),
            (13, None),
            (14, Some(C::Phone)),
            (14, Some(C::IdNumber)),
        ],
        "{:#?}",
        e.errors
    );
    assert_eq!(e.bad_rows, 12);
    assert_eq!(e.rows, 14);
    let reason = |row: u64| {
        e.errors
            .iter()
            .filter(|x| x.row == row)
            .map(|x| x.reason.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    assert_eq!(reason(3), "no such building");
    assert_eq!(reason(4), "a mobile number has 11 digits, this one has 10");
    assert!(reason(5).contains("check digit"));
    assert_eq!(reason(6), "the same identity number as row 2");
    assert_eq!(reason(7), "is required");
    assert!(reason(8).contains("is not a date"));
    assert_eq!(reason(9), "has 4 cells, the header has 9");
    assert!(reason(10).starts_with("unknown kind \"特困\""));
    assert_eq!(reason(11), "this identity number is already on record");
    assert_eq!(reason(12), "differs from row 2's, of the same household");
    assert!(reason(13).contains("already on record"));
    // No reason repeats a number or a phone.
    for x in &e.errors {
        assert!(
            !x.reason.contains("1949") && !x.reason.contains("1380013800"),
            "{x}"
        );
    }
    let f = e.field_errors();
    assert_eq!(f[0].field, "rows[3].building");
    assert_eq!(f[6].field, "rows[9]");
}

#[test]
fn the_mapping_names_columns_and_missing_ones_are_row_one() {
    let csv = "Bldg,Flat,Who,Mobile\nB1,101,张三,13800138000\nB1,101,李四,\n";
    let named = [
        (Column::Building, "Bldg"),
        (Column::Room, "Flat"),
        (Column::Name, "Who"),
        (Column::Phone, "Mobile"),
    ];
    let imp = run(csv, &named, &HashSet::new()).0.unwrap();
    assert_eq!(imp.households.len(), 1);
    assert_eq!(imp.households[0].people.len(), 2);

    // Without the mapping, building/room/name are missing; a named header that is
    // not there is named too.
    let e = run(csv, &[(Column::Phone, "Tel")], &HashSet::new())
        .0
        .unwrap_err();
    let got: Vec<_> = e.errors.iter().map(|e| (e.row, e.column)).collect();
    assert_eq!(
        got,
        [
            (1, Some(Column::Phone)),
            (1, Some(Column::Building)),
            (1, Some(Column::Room)),
            (1, Some(Column::Name)),
        ]
    );
    assert!(e.errors[0].reason.contains("\"Tel\""));
}

#[test]
fn files_that_are_not_utf8_csv_are_refused_whole() {
    // "楼栋" in GBK.
    let gbk = b"\xc2\xa5\xb6\xb0,room,name\nB1,1,x\n";
    let k = key();
    let cx = Context {
        key: &k,
        today: today(),
        building: &building,
        id_taken: &|_| false,
        household_exists: &|_, _, _| false,
    };
    let e = import_csv(gbk, &[], &cx, &mut |_| {}).unwrap_err();
    assert_eq!(e.errors.len(), 1);
    assert!(e.errors[0].reason.contains("UTF-8"), "{}", e.errors[0]);
    let e = import_csv(b"", &[], &cx, &mut |_| {}).unwrap_err();
    assert!(e.errors[0].reason.contains("empty"));
    // A bad cell further down is that row's error.
    let e = import_csv(b"building,room,name\nB1,1,\xff\n", &[], &cx, &mut |_| {}).unwrap_err();
    assert_eq!(
        (e.errors[0].row, e.errors[0].column),
        (2, Some(Column::Name))
    );
}

/// A CSV of `n` households of 1–4 people each, every row valid: buildings `100`–
/// `199`, 8 units, rooms; phones and identity numbers unique.
fn synthetic(n: usize) -> String {
    let mut s = String::from(HEADER);
    let mut person = 0u64;
    for h in 0..n {
        let people = 1 + h % 4;
        for p in 0..people {
            person += 1;
            // Unique: the region digits count thousands of people, the sequence the rest.
            let id = complete(&format!(
                "{:06}{:04}{:02}{:02}{:03}",
                110_000 + person / 1000,
                1930 + person % 90,
                1 + person % 12,
                1 + person % 28,
                person % 1000
            ))
            .unwrap();
            let special = if h % 10 == 0 && p == 0 { "低保" } else { "" };
            s.push_str(&format!(
                "{},苏州市姑苏区某路{}号,{},{},居民{person},139{:08},{id},,{special}\n",
                100 + h % 100,
                h / 100,
                h % 8,
                h,
                person
            ));
        }
    }
    s
}

#[test]
#[ignore = "timing: cargo test -p gridd --lib households::import -- --ignored --nocapture"]
fn timing_100k_households() {
    let csv = synthetic(100_000);
    let t = std::time::Instant::now();
    let (r, progress) = run(&csv, &[], &HashSet::new());
    let imp = r.unwrap();
    println!(
        "100,000 households ({} rows, {} MB) imported in {:?}; {} progress calls",
        imp.rows,
        csv.len() / 1_000_000,
        t.elapsed(),
        progress.len()
    );
    assert_eq!(imp.households.len(), 100_000);
}

#[test]
fn a_small_synthetic_file_imports_and_reports_progress() {
    let csv = synthetic(2000);
    let (r, progress) = run(&csv, &[], &HashSet::new());
    let imp = r.unwrap();
    assert_eq!(imp.households.len(), 2000);
    assert_eq!(imp.rows, 5000);
    assert_eq!(
        progress,
        [
            Progress {
                rows: 4096,
                bad_rows: 0
            },
            Progress {
                rows: 5000,
                bad_rows: 0
            }
        ]
    );
}

#[test]
fn past_the_cap_bad_rows_are_counted_not_kept() {
    let mut csv = String::from("building,room,name\n");
    for i in 0..(MAX_ERRORS + 5) {
        csv.push_str(&format!("B9,{i},x\n"));
    }
    csv.push_str("B1,1,ok\n");
    let e = run(&csv, &[], &HashSet::new()).0.unwrap_err();
    assert_eq!(e.errors.len(), MAX_ERRORS);
    assert_eq!(e.bad_rows, MAX_ERRORS as u64 + 5);
    assert_eq!(e.rows, MAX_ERRORS as u64 + 6);
    assert_eq!(e.errors.last().unwrap().row, MAX_ERRORS as u64 + 1);
}

#[test]
fn blank_lines_and_multi_line_cells_keep_spreadsheet_row_numbers() {
    // Row 2 spans two lines in a quoted cell (and an address is one line); row 3
    // is a blank line (a spreadsheet shows it as an empty row); row 4 is bad; rows
    // 5 and 6 are blank (CRLF); row 7 is bad.
    let csv = "building,room,name,address\nB1,1,张三,\"平江路\n88号\"\n\nB9,2,李四,x\r\n\r\n\r\nB8,3,王五,y\r\n";
    let e = run(csv, &[], &HashSet::new()).0.unwrap_err();
    let got: Vec<_> = e.errors.iter().map(|e| (e.row, e.column)).collect();
    assert_eq!(
        got,
        [
            (2, Some(Column::Address)),
            (4, Some(Column::Building)),
            (7, Some(Column::Building))
        ],
        "{:?}",
        e.errors
    );
    assert_eq!(e.rows, 3);
}
