//! A household (户): a room of a building, its people, and the special-household
//! kinds (特殊家庭) it belongs to.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::id_number::{IdHash, IdKey, IdNumber};
use super::phone::Phone;
use crate::domain::text::check_text;
use crate::error::FieldError;

/// Longest address (characters).
pub const MAX_ADDRESS: usize = 300;
/// Longest unit or room (characters).
pub const MAX_ROOM: usize = 20;
/// Longest person's name (characters).
pub const MAX_NAME: usize = 50;
/// Longest relation to the head of the household (characters).
pub const MAX_RELATION: usize = 20;
/// Most people in one household.
pub const MAX_PEOPLE: usize = 50;

/// The six kinds of special household of the glossary (DB32/T 2763-2015, Annex A
/// note a: 残疾人、孤寡老人、失独家庭、单亲家庭、低保户、帮教人员). A household may
/// be several at once ([`SpecialKinds`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpecialKind {
    /// 残疾人: a disabled member.
    Disabled,
    /// 孤寡老人 / 独居老人: elderly living alone.
    ElderlyLivingAlone,
    /// 失独家庭: bereaved of their only child.
    BereavedOfOnlyChild,
    /// 单亲家庭: single parent.
    SingleParent,
    /// 低保户: on the subsistence allowance (最低生活保障).
    SubsistenceAllowance,
    /// 帮教人员 / 社区矫正: a member under community correction.
    CommunityCorrection,
}

impl SpecialKind {
    /// Every kind, in the glossary's order.
    pub const ALL: [SpecialKind; 6] = [
        SpecialKind::Disabled,
        SpecialKind::ElderlyLivingAlone,
        SpecialKind::BereavedOfOnlyChild,
        SpecialKind::SingleParent,
        SpecialKind::SubsistenceAllowance,
        SpecialKind::CommunityCorrection,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            SpecialKind::Disabled => "disabled",
            SpecialKind::ElderlyLivingAlone => "elderly_living_alone",
            SpecialKind::BereavedOfOnlyChild => "bereaved_of_only_child",
            SpecialKind::SingleParent => "single_parent",
            SpecialKind::SubsistenceAllowance => "subsistence_allowance",
            SpecialKind::CommunityCorrection => "community_correction",
        }
    }

    /// The Chinese name.
    pub fn title_zh(self) -> &'static str {
        match self {
            SpecialKind::Disabled => "残疾人",
            SpecialKind::ElderlyLivingAlone => "孤寡老人",
            SpecialKind::BereavedOfOnlyChild => "失独家庭",
            SpecialKind::SingleParent => "单亲家庭",
            SpecialKind::SubsistenceAllowance => "低保户",
            SpecialKind::CommunityCorrection => "帮教人员",
        }
    }

    /// Other names accepted on input (spreadsheets write them in many ways).
    fn aliases(self) -> &'static [&'static str] {
        match self {
            SpecialKind::Disabled => &["残疾", "残疾人家庭", "残疾户"],
            SpecialKind::ElderlyLivingAlone => &["独居老人", "孤寡", "独居", "空巢老人"],
            SpecialKind::BereavedOfOnlyChild => &["失独"],
            SpecialKind::SingleParent => &["单亲"],
            SpecialKind::SubsistenceAllowance => &["低保", "低保家庭"],
            SpecialKind::CommunityCorrection => &["帮教", "社区矫正", "社区矫正人员", "矫正"],
        }
    }

    /// Parses a stored name, the Chinese name or an alias (`低保`, `失独`, …).
    pub fn parse(s: &str) -> Option<SpecialKind> {
        let s = s.trim();
        SpecialKind::ALL.into_iter().find(|k| {
            k.as_str().eq_ignore_ascii_case(s) || k.title_zh() == s || k.aliases().contains(&s)
        })
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of [`SpecialKind`]s (one byte). Serialised as the list of stored names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct SpecialKinds(u8);

impl SpecialKinds {
    /// No kind: an ordinary household.
    pub const NONE: SpecialKinds = SpecialKinds(0);

    /// Whether it holds `k`.
    pub fn contains(self, k: SpecialKind) -> bool {
        self.0 & k.bit() != 0
    }

    /// Adds `k`.
    pub fn insert(&mut self, k: SpecialKind) {
        self.0 |= k.bit();
    }

    /// Both sets together.
    #[must_use]
    pub fn union(self, other: SpecialKinds) -> SpecialKinds {
        SpecialKinds(self.0 | other.0)
    }

    /// Whether the household is special at all (visited every quarter).
    pub fn is_special(self) -> bool {
        self.0 != 0
    }

    /// The kinds it holds, in the glossary's order.
    pub fn iter(self) -> impl Iterator<Item = SpecialKind> {
        SpecialKind::ALL
            .into_iter()
            .filter(move |k| self.contains(*k))
    }

    /// Parses a cell or field of several kinds separated by `;`, `；`, `,`, `，`,
    /// `、`, `|`, `/` or spaces; empty is none. `Err` names the first unknown part.
    pub fn parse_list(s: &str) -> Result<SpecialKinds, String> {
        let mut out = SpecialKinds::NONE;
        for part in s.split(|c: char| ";；,，、|/".contains(c) || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            match SpecialKind::parse(part) {
                Some(k) => out.insert(k),
                None => return Err(part.to_owned()),
            }
        }
        Ok(out)
    }
}

impl FromIterator<SpecialKind> for SpecialKinds {
    fn from_iter<I: IntoIterator<Item = SpecialKind>>(it: I) -> Self {
        let mut s = SpecialKinds::NONE;
        for k in it {
            s.insert(k);
        }
        s
    }
}

impl Serialize for SpecialKinds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for SpecialKinds {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<SpecialKind>::deserialize(d)?.into_iter().collect())
    }
}

/// What is kept of a person's identity number: the keyed hash (to match) and the
/// mask (to show). The number itself is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdRecord {
    /// HMAC-SHA-256 under the server's key.
    pub hash: IdHash,
    /// `110105********002X`.
    pub masked: String,
}

impl IdRecord {
    /// The record of a checked number.
    pub fn of(id: &IdNumber, key: &IdKey) -> IdRecord {
        IdRecord {
            hash: key.hash(id),
            masked: id.masked(),
        }
    }
}

/// A member of a household. Personal data: its `Debug` masks name and phone.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Phone, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Phone>,
    /// Identity number as hash and mask, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<IdRecord>,
    /// Relation to the head of the household (户主, 配偶, 子女, …), when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
}

impl std::fmt::Debug for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Person")
            .field("name", &mask_name(&self.name))
            .field("phone", &self.phone)
            .field("id_number", &self.id_number.as_ref().map(|r| &r.masked))
            .field("relation", &self.relation)
            .finish()
    }
}

/// A name masked: its first character and a star for each other (`张**`).
pub fn mask_name(n: &str) -> String {
    let mut c = n.chars();
    match c.next() {
        Some(first) => format!("{first}{}", "*".repeat(c.count().max(1))),
        None => String::new(),
    }
}

/// A household, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Household {
    /// Store id (0 before it is stored).
    pub id: i64,
    /// The building it lives in.
    pub building_id: i64,
    /// Address text (may be empty when the building's own address is meant).
    pub address: String,
    /// Unit (单元), empty when the building has none.
    pub unit: String,
    /// Room (室 / 门牌).
    pub room: String,
    /// Its people; the first is the head of the household (户主) unless a relation
    /// says otherwise.
    pub people: Vec<Person>,
    /// The special kinds it belongs to.
    pub special: SpecialKinds,
}

/// A person as sent (raw identity number and phone).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PersonDraft {
    /// Name.
    pub name: String,
    /// Phone, as typed.
    #[serde(default)]
    pub phone: Option<String>,
    /// Identity number, as typed.
    #[serde(default)]
    pub id_number: Option<String>,
    /// Relation to the head.
    #[serde(default)]
    pub relation: Option<String>,
}

/// A household as sent, before [`check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct HouseholdDraft {
    /// The building.
    pub building_id: i64,
    /// Address text.
    #[serde(default)]
    pub address: String,
    /// Unit.
    #[serde(default)]
    pub unit: String,
    /// Room.
    pub room: String,
    /// Its people, at least one.
    pub people: Vec<PersonDraft>,
    /// Special kinds by name: [`SpecialKind::as_str`], the Chinese name or an alias.
    #[serde(default)]
    pub special: Vec<String>,
}

/// What checking a household needs from outside: the key, the date (no birth in
/// the future), the known buildings and the identity numbers already on record.
pub struct Context<'a> {
    /// The server's identity-number key.
    pub key: &'a IdKey,
    /// Today in Asia/Shanghai.
    pub today: NaiveDate,
    /// Whether a building id exists (in the caller's subdistrict).
    pub building_known: &'a dyn Fn(i64) -> bool,
    /// Whether an identity number is already on record for another household.
    pub id_taken: &'a dyn Fn(&IdHash) -> bool,
}

/// Checks a free-text field: no control characters, not longer than `max`, and
/// present when `required`. Returns the trimmed text.
pub(crate) fn text(field: &str, s: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let t = s.trim();
    if required && t.is_empty() {
        return Err(FieldError::new(field, "is required"));
    }
    check_text(field, t, false)?;
    let n = t.chars().count();
    if n > max {
        return Err(FieldError::new(
            field,
            format!("is {n} characters long; at most {max}"),
        ));
    }
    Ok(t.to_owned())
}

/// Checks a person; errors are named by their path under `at` (`people[1].`).
/// The identity number's record comes back also when another field is bad, so
/// duplicates are found among all the people.
fn check_person(
    at: &str,
    p: &PersonDraft,
    key: &IdKey,
    today: NaiveDate,
    errors: &mut Vec<FieldError>,
) -> (Option<Person>, Option<IdRecord>) {
    let n0 = errors.len();
    let name = text(&format!("{at}name"), &p.name, MAX_NAME, true)
        .map_err(|e| errors.push(e))
        .ok();
    let phone = match p.phone.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => Phone::parse(s)
            .map_err(|e| errors.push(FieldError::new(format!("{at}phone"), e.to_string())))
            .ok(),
    };
    let id_number = match p.id_number.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => IdNumber::parse(s, today)
            .map(|id| IdRecord::of(&id, key))
            .map_err(|e| {
                errors.push(FieldError::new(format!("{at}id_number"), e.to_string()));
            })
            .ok(),
    };
    let relation = match p.relation.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(s) => text(&format!("{at}relation"), s, MAX_RELATION, false)
            .map_err(|e| errors.push(e))
            .ok(),
    };
    let person = (errors.len() == n0).then(|| Person {
        name: name.unwrap_or_default(),
        phone,
        id_number: id_number.clone(),
        relation,
    });
    (person, id_number)
}

/// Checks one household: every field error at once, each named by its path
/// (`room`, `people[1].id_number`, `special[0]`). An identity number that repeats
/// another person's in the household, or one on record elsewhere, is refused.
pub fn check(d: &HouseholdDraft, cx: &Context<'_>) -> Result<Household, Vec<FieldError>> {
    let mut errors = Vec::new();
    if !(cx.building_known)(d.building_id) {
        errors.push(FieldError::new("building_id", "no such building"));
    }
    let address = text("address", &d.address, MAX_ADDRESS, false).map_err(|e| errors.push(e));
    let unit = text("unit", &d.unit, MAX_ROOM, false).map_err(|e| errors.push(e));
    let room = text("room", &d.room, MAX_ROOM, true).map_err(|e| errors.push(e));
    if d.people.is_empty() {
        errors.push(FieldError::new(
            "people",
            "a household has at least one person",
        ));
    } else if d.people.len() > MAX_PEOPLE {
        errors.push(FieldError::new(
            "people",
            format!("at most {MAX_PEOPLE} people in one household"),
        ));
    }
    let mut people = Vec::with_capacity(d.people.len());
    let mut seen: HashMap<IdHash, usize> = HashMap::new();
    for (i, p) in d.people.iter().enumerate() {
        let at = format!("people[{i}].");
        let (person, id) = check_person(&at, p, cx.key, cx.today, &mut errors);
        if let Some(r) = &id {
            if let Some(j) = seen.insert(r.hash, i) {
                errors.push(FieldError::new(
                    format!("{at}id_number"),
                    format!("the same identity number as people[{j}]"),
                ));
            } else if (cx.id_taken)(&r.hash) {
                errors.push(FieldError::new(
                    format!("{at}id_number"),
                    "this identity number is already on record in another household",
                ));
            }
        }
        people.extend(person);
    }
    let mut special = SpecialKinds::NONE;
    for (i, s) in d.special.iter().enumerate() {
        match SpecialKind::parse(s) {
            Some(k) => special.insert(k),
            None => errors.push(FieldError::new(
                format!("special[{i}]"),
                format!("unknown kind; one of {}", kind_names()),
            )),
        }
    }
    match (address, unit, room) {
        (Ok(address), Ok(unit), Ok(room)) if errors.is_empty() => Ok(Household {
            id: 0,
            building_id: d.building_id,
            address,
            unit,
            room,
            people,
            special,
        }),
        _ => Err(errors),
    }
}

/// The stored names of the kinds, for error reasons.
pub(crate) fn kind_names() -> String {
    SpecialKind::ALL
        .iter()
        .map(|k| format!("{} ({})", k.as_str(), k.title_zh()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key() -> IdKey {
        IdKey::new(&[42; 32]).unwrap()
    }

    fn draft() -> HouseholdDraft {
        HouseholdDraft {
            building_id: 7,
            address: "平江路 88 号".into(),
            unit: "2".into(),
            room: "301".into(),
            people: vec![
                PersonDraft {
                    name: "张三".into(),
                    phone: Some("138 0013 8000".into()),
                    id_number: Some("11010519491231002x".into()),
                    relation: Some("户主".into()),
                },
                PersonDraft {
                    name: "李四".into(),
                    ..PersonDraft::default()
                },
            ],
            special: vec!["低保".into(), "elderly_living_alone".into()],
        }
    }

    fn check_with(
        d: &HouseholdDraft,
        taken: &dyn Fn(&IdHash) -> bool,
    ) -> Result<Household, Vec<FieldError>> {
        let k = key();
        let cx = Context {
            key: &k,
            today: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            building_known: &|b| b == 7,
            id_taken: taken,
        };
        check(d, &cx)
    }

    #[test]
    fn a_valid_household_keeps_only_hash_and_mask() {
        let h = check_with(&draft(), &|_| false).unwrap();
        assert_eq!(h.room, "301");
        let p = &h.people[0];
        assert_eq!(p.phone.as_ref().unwrap().as_str(), "13800138000");
        let r = p.id_number.as_ref().unwrap();
        assert_eq!(r.masked, "110105********002X");
        assert_eq!(r.hash.to_hex().len(), 64);
        let json = serde_json::to_string(&h).unwrap();
        assert!(!json.contains("19491231"), "{json}");
        assert!(
            json.contains(r#""special":["elderly_living_alone","subsistence_allowance"]"#),
            "{json}"
        );
        let debug = format!("{h:?}");
        assert!(
            !debug.contains("张三") && !debug.contains("13800138000"),
            "{debug}"
        );
        assert!(h.special.contains(SpecialKind::SubsistenceAllowance));
        assert!(!h.special.contains(SpecialKind::Disabled));
        let back: Household = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
    }

    #[test]
    fn every_field_error_is_named_by_its_path() {
        let mut d = draft();
        d.building_id = 8;
        d.room = " ".into();
        d.people[0].phone = Some("1380013800".into());
        d.people[1].id_number = Some("110105194912310021".into());
        d.people.push(PersonDraft {
            name: "王五".into(),
            id_number: Some("11010519491231002X".into()),
            ..PersonDraft::default()
        });
        d.special.push("贫困".into());
        let e = check_with(&d, &|_| false).unwrap_err();
        let fields: Vec<&str> = e.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "building_id",
                "room",
                "people[0].phone",
                "people[1].id_number",
                "people[2].id_number",
                "special[2]"
            ],
            "{e:?}"
        );
        assert!(e[4].reason.contains("people[0]"), "{}", e[4].reason);
        assert!(e[3].reason.contains("check digit"), "{}", e[3].reason);
    }

    #[test]
    fn a_number_on_record_elsewhere_is_refused() {
        let e = check_with(&draft(), &|_| true).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "people[0].id_number");
    }

    #[test]
    fn kinds_parse_from_many_spellings() {
        let k = SpecialKinds::parse_list("低保；失独、 残疾人,帮教").unwrap();
        assert_eq!(
            k.iter().collect::<Vec<_>>(),
            [
                SpecialKind::Disabled,
                SpecialKind::BereavedOfOnlyChild,
                SpecialKind::SubsistenceAllowance,
                SpecialKind::CommunityCorrection
            ]
        );
        assert_eq!(SpecialKinds::parse_list("").unwrap(), SpecialKinds::NONE);
        assert_eq!(SpecialKinds::parse_list("单亲 特困").unwrap_err(), "特困");
        assert_eq!(
            SpecialKind::parse("SINGLE_PARENT"),
            Some(SpecialKind::SingleParent)
        );
        assert_eq!(
            SpecialKind::parse("社区矫正"),
            Some(SpecialKind::CommunityCorrection)
        );
    }
}
