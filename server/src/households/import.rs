//! Households from CSV (RFC 4180, UTF-8, a header row), with a column mapping: all
//! or nothing. Every bad row is named with its row number and each reason; when any
//! row is bad nothing is returned to store. Rows are grouped into households by
//! (building, unit, room), wherever they stand in the file.
//!
//! One pass over the rows, no regular expressions: each cell is checked by the
//! hand-written parsers of [`IdNumber`] and [`Phone`], buildings are resolved once
//! per distinct cell text, identity numbers are hashed with the key's precomputed
//! HMAC states. Row numbers are as a spreadsheet shows them: the header is row 1,
//! a blank line is a row.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::household::{
    Household, IdRecord, MAX_ADDRESS, MAX_NAME, MAX_PEOPLE, MAX_RELATION, MAX_ROOM, Person,
    SpecialKinds, kind_names, text,
};
use super::id_number::{IdHash, IdKey, IdNumber};
use super::phone::Phone;
use crate::error::FieldError;

/// Bad-row reasons kept in full; past this many only [`ImportError::bad_rows`]
/// counts on (a file of a million broken rows must not become a million errors).
pub const MAX_ERRORS: usize = 10_000;
/// The progress callback is called every this many rows (and at the end).
pub const PROGRESS_EVERY: u64 = 4096;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// The building: its id or its address, as the caller's resolver knows it.
    Building,
    /// The household's address text.
    Address,
    /// Unit (单元).
    Unit,
    /// Room (室).
    Room,
    /// A person's name.
    Name,
    /// A person's phone.
    Phone,
    /// A person's identity number.
    IdNumber,
    /// A person's relation to the head of the household.
    Relation,
    /// The household's special kinds (several in one cell).
    Special,
}

impl Column {
    /// Every column.
    pub const ALL: [Column; 9] = [
        Column::Building,
        Column::Address,
        Column::Unit,
        Column::Room,
        Column::Name,
        Column::Phone,
        Column::IdNumber,
        Column::Relation,
        Column::Special,
    ];

    /// The name in mappings and error paths.
    pub fn as_str(self) -> &'static str {
        match self {
            Column::Building => "building",
            Column::Address => "address",
            Column::Unit => "unit",
            Column::Room => "room",
            Column::Name => "name",
            Column::Phone => "phone",
            Column::IdNumber => "id_number",
            Column::Relation => "relation",
            Column::Special => "special",
        }
    }

    /// Whether a file must have it.
    pub fn required(self) -> bool {
        matches!(self, Column::Building | Column::Room | Column::Name)
    }

    /// Header texts recognised without a mapping (besides [`Column::as_str`]).
    pub fn header_names(self) -> &'static [&'static str] {
        match self {
            Column::Building => &["building_id", "楼栋", "楼栋号", "楼号", "楼栋编号", "建筑"],
            Column::Address => &["地址", "住址", "门牌地址", "家庭住址"],
            Column::Unit => &["单元", "单元号"],
            Column::Room => &["室", "房号", "房间号", "门牌号", "户号"],
            Column::Name => &["姓名", "名字"],
            Column::Phone => &["电话", "手机", "手机号", "手机号码", "联系电话", "联系方式"],
            Column::IdNumber => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "证件号码",
                "身份证",
            ],
            Column::Relation => &["与户主关系", "关系"],
            Column::Special => &["特殊家庭", "特殊家庭类型", "家庭类型", "类别"],
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// Which header cell each [`Column`] is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    at: [Option<usize>; 9],
    width: usize,
}

impl Mapping {
    /// Maps `header` by `named` (a column → the header text of its cell); columns
    /// not named are found by their names ([`Column::as_str`],
    /// [`Column::header_names`]). Errors (row 1): a named header text that is not
    /// in the header or is there twice, a required column missing.
    pub fn new(header: &[&str], named: &[(Column, &str)]) -> Result<Mapping, Vec<RowError>> {
        let mut at = [None; 9];
        let mut errors = Vec::new();
        let find = |want: &str| -> Vec<usize> {
            header
                .iter()
                .enumerate()
                .filter(|(_, h)| h.trim() == want.trim())
                .map(|(i, _)| i)
                .collect()
        };
        for &(c, h) in named {
            match find(h)[..] {
                [i] => at[c.index()] = Some(i),
                [] => errors.push(RowError::header(
                    Some(c),
                    format!("no column named {h:?} in the header"),
                )),
                _ => errors.push(RowError::header(
                    Some(c),
                    format!("the header has several columns named {h:?}"),
                )),
            }
        }
        for c in Column::ALL {
            if at[c.index()].is_some() || named.iter().any(|(n, _)| *n == c) {
                continue;
            }
            let hits: Vec<usize> = std::iter::once(c.as_str())
                .chain(c.header_names().iter().copied())
                .flat_map(&find)
                .collect();
            match hits[..] {
                [] if c.required() => errors.push(RowError::header(
                    Some(c),
                    format!(
                        "the required column {} is missing: name it in the mapping or head it {}",
                        c.as_str(),
                        c.header_names().first().copied().unwrap_or(c.as_str())
                    ),
                )),
                [] => {}
                [i] => at[c.index()] = Some(i),
                _ => errors.push(RowError::header(
                    Some(c),
                    format!(
                        "several columns could be {}: name one in the mapping",
                        c.as_str()
                    ),
                )),
            }
        }
        if errors.is_empty() {
            Ok(Mapping {
                at,
                width: header.len(),
            })
        } else {
            Err(errors)
        }
    }

    /// The header cell of `c`, when mapped.
    pub fn column(&self, c: Column) -> Option<usize> {
        self.at[c.index()]
    }
}

/// One reason a row (or the header, row 1) was refused.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    /// Row number as a spreadsheet shows it (the header is 1).
    pub row: u64,
    /// The column the reason is about, when one.
    pub column: Option<Column>,
    /// Why.
    pub reason: String,
}

impl RowError {
    fn header(column: Option<Column>, reason: String) -> RowError {
        RowError {
            row: 1,
            column,
            reason,
        }
    }

    /// As a field error: `rows[12].id_number` (the row number as in the file).
    pub fn to_field_error(&self) -> FieldError {
        let field = match self.column {
            Some(c) => format!("rows[{}].{}", self.row, c.as_str()),
            None => format!("rows[{}]", self.row),
        };
        FieldError::new(field, self.reason.clone())
    }
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "row {}", self.row)?;
        if let Some(c) = self.column {
            write!(f, " ({})", c.as_str())?;
        }
        write!(f, ": {}", self.reason)
    }
}

/// Why a file was refused: nothing of it is to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    /// The reasons, in row order (at most [`MAX_ERRORS`]).
    pub errors: Vec<RowError>,
    /// Rows with at least one reason (all of them, also past [`MAX_ERRORS`]).
    pub bad_rows: u64,
    /// Data rows read.
    pub rows: u64,
}

impl ImportError {
    /// The reasons as field errors.
    pub fn field_errors(&self) -> Vec<FieldError> {
        self.errors.iter().map(RowError::to_field_error).collect()
    }
}

/// A file accepted whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Its households, in the order of their first rows (`id` 0).
    pub households: Vec<Household>,
    /// Data rows read (rows with every cell empty are skipped, not counted).
    pub rows: u64,
    /// People (one per row).
    pub people: u64,
}

/// Where the import is, for the HTTP layer to report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Data rows checked so far.
    pub rows: u64,
    /// Bad rows so far.
    pub bad_rows: u64,
}

/// What an import needs from outside.
pub struct Context<'a> {
    /// The server's identity-number key.
    pub key: &'a IdKey,
    /// Today in Asia/Shanghai (no birth after it).
    pub today: NaiveDate,
    /// A building cell's text (an id or an address) → the building's id, `None`
    /// when unknown (in the caller's subdistrict). Called once per distinct text.
    pub building: &'a dyn Fn(&str) -> Option<i64>,
    /// Whether an identity number is already on record.
    pub id_taken: &'a dyn Fn(&IdHash) -> bool,
    /// Whether a household (building, unit, room) is already on record.
    pub household_exists: &'a dyn Fn(i64, &str, &str) -> bool,
}

/// The household a row belongs to while the file is read.
struct Group {
    household: Household,
    /// The row that started it.
    first_row: u64,
}

/// Reads households from CSV `data` (UTF-8, an optional byte-order mark, a header
/// row) mapped by `named` (see [`Mapping::new`]), calling `progress` every
/// [`PROGRESS_EVERY`] rows and at the end. All or nothing: `Err` lists every bad
/// row's reasons — a cell count unlike the header's, an unknown building, a missing
/// room or name, a bad phone or identity number, a number repeated within the file
/// (naming the first row) or already on record, a household already on record, an
/// unknown special kind, text too long or with control characters, cells not UTF-8.
pub fn import_csv(
    data: &[u8],
    named: &[(Column, &str)],
    cx: &Context<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Imported, ImportError> {
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(data);
    let mut rec = csv::ByteRecord::new();
    let fail = |errors: Vec<RowError>, rows: u64| ImportError {
        bad_rows: u64::from(!errors.is_empty()),
        errors,
        rows,
    };
    // The header.
    let header_ok = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| fail(vec![RowError::header(None, format!("not CSV: {e}"))], 0))?;
    if !header_ok {
        return Err(fail(
            vec![RowError::header(
                None,
                "the file is empty: no header row".into(),
            )],
            0,
        ));
    }
    let header: Vec<&str> = match rec.iter().map(std::str::from_utf8).collect() {
        Ok(h) => h,
        Err(_) => {
            return Err(fail(
                vec![RowError::header(
                    None,
                    "the file is not UTF-8 text (GBK?): save it as \"CSV UTF-8\"".into(),
                )],
                0,
            ));
        }
    };
    let mapping = Mapping::new(&header, named).map_err(|e| fail(e, 0))?;

    let mut st = State {
        cx,
        mapping: &mapping,
        errors: Vec::new(),
        bad_rows: 0,
        groups: Vec::new(),
        by_key: HashMap::new(),
        ids: HashMap::new(),
        buildings: HashMap::new(),
        kinds: HashMap::new(),
        people: 0,
    };
    let mut rows = 0u64;
    let mut record_no = 1u64; // the header
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // The csv reader refuses only what it cannot split (bad UTF-8 is ours
                // to find, since records are read as bytes); it cannot go on.
                record_no += 1;
                st.push(record_no, None, format!("not CSV: {e}"));
                st.bad_rows += 1;
                break;
            }
        }
        // The csv reader skips blank lines; a spreadsheet shows them as rows, so
        // they count. They lie between the end of the previous record (where this
        // one's position points) and this one.
        let blank = rec.position().map_or(0, |p| {
            blank_lines(data, usize::try_from(p.byte()).unwrap_or(usize::MAX))
        });
        record_no += 1 + blank;
        if rec.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        rows += 1;
        st.row(record_no, &rec);
        if rows.is_multiple_of(PROGRESS_EVERY) {
            progress(Progress {
                rows,
                bad_rows: st.bad_rows,
            });
        }
    }
    progress(Progress {
        rows,
        bad_rows: st.bad_rows,
    });
    if st.bad_rows > 0 {
        return Err(ImportError {
            errors: st.errors,
            bad_rows: st.bad_rows,
            rows,
        });
    }
    Ok(Imported {
        households: st.groups.into_iter().map(|g| g.household).collect(),
        rows,
        people: st.people,
    })
}

/// Blank lines (`\n`, `\r\n` or `\r` each) in `data` from byte `at`, where the
/// previous record ended: after a `\r` the reader stops before its `\n`.
fn blank_lines(data: &[u8], at: usize) -> u64 {
    let mut b = data.get(at..).unwrap_or_default();
    if at > 0 && data.get(at - 1) == Some(&b'\r') {
        b = b.strip_prefix(b"\n").unwrap_or(b);
    }
    let mut n = 0;
    loop {
        b = match b {
            [b'\r', b'\n', rest @ ..] | [b'\n' | b'\r', rest @ ..] => rest,
            _ => return n,
        };
        n += 1;
    }
}

struct State<'a, 'c> {
    cx: &'a Context<'c>,
    mapping: &'a Mapping,
    errors: Vec<RowError>,
    bad_rows: u64,
    groups: Vec<Group>,
    /// (building, unit, room) → index in `groups`.
    by_key: HashMap<(i64, String, String), usize>,
    /// Identity-number hash → the row it first came in.
    ids: HashMap<IdHash, u64>,
    /// Building cell text → resolved id.
    buildings: HashMap<String, Option<i64>>,
    /// Special-kinds cell text → kinds (or the unknown part).
    kinds: HashMap<String, Result<SpecialKinds, String>>,
    people: u64,
}

impl State<'_, '_> {
    fn push(&mut self, row: u64, column: Option<Column>, reason: String) {
        if self.errors.len() < MAX_ERRORS {
            self.errors.push(RowError {
                row,
                column,
                reason,
            });
        }
    }

    /// Checks one row and, when it is good, adds its person to its household.
    fn row(&mut self, row: u64, rec: &csv::ByteRecord) {
        let mut bad = false;
        let mut err = |st: &mut Self, c: Option<Column>, r: String| {
            bad = true;
            st.push(row, c, r);
        };
        if rec.len() != self.mapping.width {
            err(
                self,
                None,
                format!(
                    "has {} cells, the header has {}",
                    rec.len(),
                    self.mapping.width
                ),
            );
            self.bad_rows += 1;
            return;
        }
        // Every mapped cell as text (empty when unmapped).
        let mut cells: [&str; 9] = [""; 9];
        for c in Column::ALL {
            if let Some(i) = self.mapping.column(c) {
                match std::str::from_utf8(&rec[i]) {
                    Ok(s) => cells[c.index()] = s.trim(),
                    Err(_) => err(self, Some(c), "is not UTF-8 text".into()),
                }
            }
        }
        let cell = |c: Column| cells[c.index()];

        // The building, resolved once per distinct text.
        let b = cell(Column::Building);
        let building = if b.is_empty() {
            err(self, Some(Column::Building), "is required".into());
            None
        } else {
            let id = match self.buildings.get(b) {
                Some(id) => *id,
                None => {
                    let id = (self.cx.building)(b);
                    self.buildings.insert(b.to_owned(), id);
                    id
                }
            };
            if id.is_none() {
                err(self, Some(Column::Building), "no such building".into());
            }
            id
        };
        let mut field = |st: &mut Self, c: Column, max: usize, required: bool| match text(
            c.as_str(),
            cell(c),
            max,
            required,
        ) {
            Ok(t) => Some(t),
            Err(e) => {
                err(st, Some(c), e.reason);
                None
            }
        };
        let address = field(self, Column::Address, MAX_ADDRESS, false);
        let unit = field(self, Column::Unit, MAX_ROOM, false);
        let room = field(self, Column::Room, MAX_ROOM, true);
        let name = field(self, Column::Name, MAX_NAME, true);
        let relation = field(self, Column::Relation, MAX_RELATION, false);
        let phone = match cell(Column::Phone) {
            "" => None,
            p => match Phone::parse(p) {
                Ok(p) => Some(p),
                Err(e) => {
                    err(self, Some(Column::Phone), e.to_string());
                    None
                }
            },
        };
        let id_number = match cell(Column::IdNumber) {
            "" => None,
            s => match IdNumber::parse(s, self.cx.today) {
                Ok(id) => {
                    let r = IdRecord::of(&id, self.cx.key);
                    if let Some(first) = self.ids.get(&r.hash) {
                        err(
                            self,
                            Some(Column::IdNumber),
                            format!("the same identity number as row {first}"),
                        );
                    } else {
                        self.ids.insert(r.hash, row);
                        if (self.cx.id_taken)(&r.hash) {
                            err(
                                self,
                                Some(Column::IdNumber),
                                "this identity number is already on record".into(),
                            );
                        }
                    }
                    Some(r)
                }
                Err(e) => {
                    err(self, Some(Column::IdNumber), e.to_string());
                    None
                }
            },
        };
        let k = cell(Column::Special);
        let special = if k.is_empty() {
            SpecialKinds::NONE
        } else {
            let parsed = match self.kinds.get(k) {
                Some(p) => p.clone(),
                None => {
                    let p = SpecialKinds::parse_list(k);
                    self.kinds.insert(k.to_owned(), p.clone());
                    p
                }
            };
            parsed.unwrap_or_else(|part| {
                err(
                    self,
                    Some(Column::Special),
                    format!("unknown kind {part:?}; one of {}", kind_names()),
                );
                SpecialKinds::NONE
            })
        };

        // The household it belongs to.
        if let (Some(building), Some(unit), Some(room)) = (building, &unit, &room) {
            let key = (building, unit.clone(), room.clone());
            match self.by_key.get(&key) {
                Some(&g) => {
                    let group = &self.groups[g];
                    let first_row = group.first_row;
                    let h = &group.household;
                    let differs = address
                        .as_ref()
                        .is_some_and(|a| !a.is_empty() && !h.address.is_empty() && *a != h.address);
                    let full = h.people.len() >= MAX_PEOPLE;
                    if differs {
                        err(
                            self,
                            Some(Column::Address),
                            format!("differs from row {first_row}'s, of the same household"),
                        );
                    }
                    if full {
                        err(
                            self,
                            None,
                            format!("at most {MAX_PEOPLE} people in one household"),
                        );
                    }
                }
                None => {
                    if (self.cx.household_exists)(building, unit, room) {
                        err(
                            self,
                            None,
                            "this household (building, unit, room) is already on record".into(),
                        );
                    }
                }
            }
            let g = match self.by_key.get(&key) {
                Some(&g) => g,
                None => {
                    // A new household, kept even when this row is bad, so later rows
                    // of it are checked against it (its address, its size).
                    self.by_key.insert(key, self.groups.len());
                    self.groups.push(Group {
                        household: Household {
                            id: 0,
                            building_id: building,
                            address: address.clone().unwrap_or_default(),
                            unit: unit.clone(),
                            room: room.clone(),
                            people: Vec::new(),
                            special: SpecialKinds::NONE,
                        },
                        first_row: row,
                    });
                    self.groups.len() - 1
                }
            };
            if !bad {
                self.people += 1;
                let h = &mut self.groups[g].household;
                if h.address.is_empty() {
                    h.address = address.unwrap_or_default();
                }
                h.special = h.special.union(special);
                h.people.push(Person {
                    name: name.unwrap_or_default(),
                    phone,
                    id_number,
                    relation: relation.filter(|r| !r.is_empty()),
                });
            }
        }
        if bad {
            self.bad_rows += 1;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
