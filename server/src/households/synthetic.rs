//! A seeded generator of household files for demos, tests and benchmarks: CSV
//! with the recognised Chinese headers, one row per person, households spread
//! over the buildings given (in proportion to their estimated households), with
//! valid identity numbers (GB 11643, unique per person) and mobiles, one household
//! in ten special — and, when asked, planted bad rows of each kind the import
//! must name: a malformed identity number, a bad phone, an unknown building and
//! a repeated identity number. Deterministic: the same seed, the same file.

use std::fmt::Write as _;

use super::id_number;

/// The header row.
pub const HEADER: &str = "楼栋号,单元,室,姓名,手机号,身份证号,与户主关系,特殊家庭,地址";

/// A building id no store gives (the unknown building of the planted rows).
pub const UNKNOWN_BUILDING: i64 = 987_654_321;

/// Where the planted bad rows are (spreadsheet row numbers: the header is 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planted {
    /// A malformed identity number (its check digit wrong).
    pub malformed_id: Vec<u64>,
    /// A bad phone (10 digits).
    pub bad_phone: Vec<u64>,
    /// A building that does not exist.
    pub unknown_building: Vec<u64>,
    /// An identity number an earlier row has (the later row is the bad one).
    pub duplicate_id: Vec<u64>,
}

impl Planted {
    /// Every planted row, in order.
    pub fn rows(&self) -> Vec<u64> {
        let mut v: Vec<u64> = self
            .malformed_id
            .iter()
            .chain(&self.bad_phone)
            .chain(&self.unknown_building)
            .chain(&self.duplicate_id)
            .copied()
            .collect();
        v.sort_unstable();
        v
    }
}

/// A generated file.
#[derive(Debug, Clone)]
pub struct File {
    /// The CSV text.
    pub csv: String,
    /// Households in it (bad rows aside).
    pub households: usize,
    /// Data rows (people).
    pub rows: u64,
    /// Special households.
    pub special: usize,
    /// The planted bad rows (empty unless asked).
    pub planted: Planted,
}

const SURNAMES: [&str; 20] = [
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "高", "罗",
];
const GIVEN: [&str; 24] = [
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "玉兰",
];
const KINDS: [&str; 6] = [
    "残疾人",
    "孤寡老人",
    "失独家庭",
    "单亲家庭",
    "低保户",
    "帮教人员",
];
const RELATIONS: [&str; 4] = ["配偶", "子女", "父母", "其他"];

/// SplitMix64: a fixed hash of a counter.
fn mix(seed: u64, k: u64) -> u64 {
    let mut z = seed
        .wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The identity number of person `k` (unique per `k` below 19,980,000): region
/// 320508 (苏州市姑苏区), a birth date from 1940 on, a sequence number.
pub fn id_of(k: u64) -> String {
    let day = i64::try_from(k % 20_000).unwrap_or(0);
    let seq = k / 20_000 + 1;
    let base = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).unwrap_or_default();
    let d = base + chrono::Duration::days(day);
    let first17 = format!("320508{}{:03}", d.format("%Y%m%d"), seq % 1000);
    id_number::complete(&first17).unwrap_or(first17)
}

/// Households for `buildings` (each `(id, estimated households)`): `n`
/// households in all, spread in proportion to the estimates (every building
/// with one at least gets its share, the rest go round), 1 to 4 people each.
/// With `plant`, one bad row of each kind every 2,000 rows (at least one each).
pub fn generate(buildings: &[(i64, u32)], n: usize, seed: u64, plant: bool) -> File {
    let mut csv = String::with_capacity(n * 230);
    csv.push_str(HEADER);
    csv.push('\n');
    let usable: Vec<(i64, u32)> = buildings.iter().copied().filter(|b| b.1 > 0).collect();
    let usable = if usable.is_empty() {
        buildings.iter().map(|b| (b.0, 1)).collect()
    } else {
        usable
    };
    let total: u64 = usable.iter().map(|b| u64::from(b.1)).sum::<u64>().max(1);
    // Each building's share, then whole households in building order.
    let mut plan: Vec<(i64, usize)> = Vec::with_capacity(usable.len());
    let mut given = 0usize;
    for (id, est) in &usable {
        let share = usize::try_from(u64::from(*est) * n as u64 / total).unwrap_or(0);
        plan.push((*id, share));
        given += share;
    }
    let mut i = 0;
    while given < n && !plan.is_empty() {
        let at = i % plan.len();
        plan[at].1 += 1;
        given += 1;
        i += 1;
    }
    let mut row: u64 = 1;
    let mut person: u64 = 0;
    let mut households = 0usize;
    let mut special = 0usize;
    let mut planted = Planted::default();
    let mut first_id: Option<String> = None;
    let mut next_bad = 2000u64;
    let mut kind = 0usize;
    for (b, count) in plan {
        for h in 0..count {
            let hk = households as u64;
            let unit = h / 60 + 1;
            let room = format!("{}{:02}", (h % 60) / 4 + 1, h % 4 + 1);
            let r = mix(seed, hk);
            let people = 1 + (r % 4) as usize;
            let kinds = if r % 10 == 3 {
                special += 1;
                let k = KINDS[(r / 10 % 6) as usize];
                if r % 70 == 3 {
                    format!("{k}、{}", KINDS[(r / 60 % 6) as usize])
                } else {
                    k.to_owned()
                }
            } else {
                String::new()
            };
            households += 1;
            for p in 0..people {
                row += 1;
                person += 1;
                let pr = mix(seed ^ 0x5555, person);
                let name = format!(
                    "{}{}",
                    SURNAMES[(pr % 20) as usize],
                    GIVEN[(pr / 20 % 24) as usize]
                );
                let mut phone = format!("13{:09}", pr % 1_000_000_000);
                let mut id = id_of(person);
                let mut building = b.to_string();
                if first_id.is_none() {
                    first_id = Some(id.clone());
                }
                if plant && row >= next_bad {
                    match kind % 4 {
                        0 => {
                            // The check digit changed: malformed.
                            let last = id.pop().unwrap_or('0');
                            id.push(if last == '1' { '2' } else { '1' });
                            planted.malformed_id.push(row);
                        }
                        1 => {
                            phone.pop();
                            planted.bad_phone.push(row);
                        }
                        2 => {
                            building = UNKNOWN_BUILDING.to_string();
                            planted.unknown_building.push(row);
                        }
                        _ => {
                            id = first_id.clone().unwrap_or_default();
                            planted.duplicate_id.push(row);
                        }
                    }
                    kind += 1;
                    next_bad = row + if kind < 4 { 7 } else { 2000 };
                }
                let relation = if p == 0 {
                    "户主"
                } else {
                    RELATIONS[(pr / 480 % 4) as usize]
                };
                let _ = writeln!(
                    csv,
                    "{building},{unit},{room},{name},{phone},{id},{relation},{},",
                    if p == 0 { kinds.as_str() } else { "" }
                );
            }
        }
    }
    File {
        csv,
        households,
        rows: row - 1,
        special,
        planted,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::households::IdKey;
    use crate::households::import::{Context, import_csv};

    fn run(
        f: &File,
    ) -> Result<crate::households::import::Imported, crate::households::import::ImportError> {
        let key = IdKey::new(&[1; 32]).unwrap();
        let cx = Context {
            key: &key,
            today: chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            building: &|s| s.parse::<i64>().ok().filter(|b| *b != UNKNOWN_BUILDING),
            id_taken: &|_| false,
            household_exists: &|_, _, _| false,
        };
        import_csv(f.csv.as_bytes(), &[], &cx, &mut |_| {})
    }

    #[test]
    fn a_clean_file_imports_whole_and_a_planted_one_is_named_row_by_row() {
        let b = [(1, 30), (2, 0), (3, 90)];
        let clean = generate(&b, 500, 9, false);
        let ok = run(&clean).unwrap();
        assert_eq!(ok.households.len(), 500);
        assert_eq!(ok.rows, clean.rows);
        assert_eq!(
            ok.households
                .iter()
                .filter(|h| h.special.is_special())
                .count(),
            clean.special
        );
        assert!(ok.households.iter().all(|h| h.building_id != 2));
        assert_eq!(generate(&b, 500, 9, false).csv, clean.csv, "seeded");

        let bad = generate(&b, 2000, 9, true);
        let e = run(&bad).unwrap_err();
        let mut rows: Vec<u64> = e.errors.iter().map(|x| x.row).collect();
        rows.dedup();
        assert_eq!(rows, bad.planted.rows(), "{:?}", e.errors);
        assert!(!bad.planted.duplicate_id.is_empty() && !bad.planted.unknown_building.is_empty());
    }
}
