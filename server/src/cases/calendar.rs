//! The business calendar for case deadlines counted in working time (工作时间).
//!
//! A deadline such as "8 working hours" (8个工作小时) runs only inside the working
//! periods of a working day (工作日). A day is a working day when an override says so
//! (a public holiday 法定节假日 is off; a make-up working day 调休上班 is on, even on
//! a weekend); a day without an override is a working day from Monday to Friday.
//!
//! All times are China Standard Time, a fixed UTC+08:00 all year (no daylight saving
//! time); public inputs and outputs are UTC instants. Instants are counted to the
//! whole second: a sub-second part of an input is dropped (floored).
//!
//! The shipped overrides are `calendar_cn.txt` beside this file (see `docs/calendar.md`).
//! Everything is plain arithmetic over days and seconds: no step is taken per second
//! or per minute, and a span of years costs a walk over the overrides it contains.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Serialize};

/// China Standard Time: UTC+08:00 all year, no daylight saving time.
pub const CHINA_OFFSET: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+08:00 is a valid offset"),
};

/// The shipped overrides (holidays and make-up working days 2025–2027), in the text
/// format of [`Calendar::parse_overrides`].
pub const CHINA_OVERRIDES_TEXT: &str = include_str!("calendar_cn.txt");

/// The default working periods: 09:00–12:00 and 13:00–18:00, 8 hours a day.
pub const DEFAULT_PERIODS: [(NaiveTime, NaiveTime); 2] =
    [(hm(9, 0), hm(12, 0)), (hm(13, 0), hm(18, 0))];

/// The offset of [`CHINA_OFFSET`] in seconds, for the arithmetic below.
const OFFSET_SECS: i64 = CHINA_OFFSET.local_minus_utc() as i64;
const SECS_PER_DAY: i64 = 86_400;
/// `NaiveDate::num_days_from_ce` of 1970-01-01: day numbers below count from it.
const EPOCH_DAYS_FROM_CE: i64 = 719_163;
/// Any count of working seconds at or above this ends past the last instant chrono
/// can represent (even at 24 working hours a day), so larger counts are cut to it.
const MAX_ADD_SECS: i64 = 100_000_000_000_000;

/// A time of day, for constants only (a bad argument fails the build, not a run).
const fn hm(hour: u32, min: u32) -> NaiveTime {
    match NaiveTime::from_hms_opt(hour, min, 0) {
        Some(t) => t,
        None => panic!("a valid time of day"),
    }
}

/// What an override makes of its date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DayKind {
    /// A public holiday (放假): no working time, even on a Monday–Friday.
    Holiday,
    /// A make-up working day (调休上班): working periods as usual, even on a weekend.
    Workday,
}

/// One date whose kind is fixed by the calendar rather than by its weekday.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayOverride {
    /// The local (China Standard Time) date.
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    /// Off (holiday) or on (make-up working day).
    pub kind: DayKind,
    /// What the day is, e.g. `国庆节` or `国庆节调休上班`.
    pub name: String,
}

/// Why a calendar or its text was refused.
///
/// Displays as `line N: field: reason`, or `field: reason` when it is not about a
/// line of text (`line` is 0).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{field}: {reason}", LinePrefix(.line))]
pub struct CalendarError {
    /// 1-based line of the override text; 0 if the error is not about a line.
    pub line: usize,
    /// The offending field: `date`, `kind`, `name` or `periods`.
    pub field: &'static str,
    /// Human-readable reason.
    pub reason: String,
}

impl CalendarError {
    fn new(line: usize, field: &'static str, reason: String) -> Self {
        CalendarError {
            line,
            field,
            reason,
        }
    }
}

/// `line N: ` for a line, nothing for line 0.
struct LinePrefix<'a>(&'a usize);

impl fmt::Display for LinePrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self.0 == 0 {
            Ok(())
        } else {
            write!(f, "line {}: ", self.0)
        }
    }
}

/// Working periods of a working day and per-date overrides, in China Standard Time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// As given: ascending, non-overlapping, each start before its end.
    periods: Vec<(NaiveTime, NaiveTime)>,
    /// The same periods as seconds of the day, `[start, end)`.
    spans: Vec<(i64, i64)>,
    /// Sum of the periods' lengths, > 0.
    day_secs: i64,
    /// Keyed by local day number (days since 1970-01-01), hence in date order.
    overrides: BTreeMap<i64, DayOverride>,
}

impl Calendar {
    /// The shipped calendar: working hours 09:00–12:00 and 13:00–18:00 (8 h)
    /// Monday–Friday, and the State Council's holidays and make-up working days for
    /// 2025, 2026 and 2027 from `calendar_cn.txt`.
    ///
    /// The shipped text is checked by this module's tests; were it ever broken, the
    /// result would be a calendar of the default hours without overrides.
    pub fn china() -> Calendar {
        let overrides = Self::parse_overrides(CHINA_OVERRIDES_TEXT).unwrap_or_default();
        Self::new(DEFAULT_PERIODS.to_vec(), overrides)
            .unwrap_or_else(|_| Self::from_valid_periods(&DEFAULT_PERIODS))
    }

    /// Builds from working periods (local times, ascending, non-overlapping, each
    /// start before its end, whole seconds) and overrides (no date twice). Errors
    /// name the field (`periods` or `date`) with line 0.
    pub fn new(
        periods: Vec<(NaiveTime, NaiveTime)>,
        overrides: Vec<DayOverride>,
    ) -> Result<Calendar, CalendarError> {
        let bad_period = |reason: String| CalendarError::new(0, "periods", reason);
        if periods.is_empty() {
            return Err(bad_period(
                "at least one working period is required (工作时段不能为空)".to_owned(),
            ));
        }
        let mut spans: Vec<(i64, i64)> = Vec::with_capacity(periods.len());
        for (i, &(start, end)) in periods.iter().enumerate() {
            let n = i + 1;
            if start.nanosecond() != 0 || end.nanosecond() != 0 {
                return Err(bad_period(format!(
                    "period {n} ({start}–{end}) must start and end on a whole second"
                )));
            }
            if start >= end {
                return Err(bad_period(format!(
                    "period {n} ({start}–{end}) must start before it ends (开始时间须早于结束时间)"
                )));
            }
            let (s, e) = (
                i64::from(start.num_seconds_from_midnight()),
                i64::from(end.num_seconds_from_midnight()),
            );
            if let Some(&(_, prev_end)) = spans.last()
                && s < prev_end
            {
                return Err(bad_period(format!(
                    "period {n} ({start}–{end}) starts before period {i} ends ({}); periods must be ascending and must not overlap (工作时段须按时间先后排列且不重叠)",
                    periods[i - 1].1
                )));
            }
            spans.push((s, e));
        }
        let mut map: BTreeMap<i64, DayOverride> = BTreeMap::new();
        for o in overrides {
            let day = day_number(o.date);
            if let Some(prev) = map.get(&day) {
                return Err(CalendarError::new(
                    0,
                    "date",
                    format!(
                        "{} is given twice ({} and {}) (日期重复)",
                        o.date, prev.name, o.name
                    ),
                ));
            }
            map.insert(day, o);
        }
        let day_secs = spans.iter().map(|&(s, e)| e - s).sum();
        Ok(Calendar {
            periods,
            spans,
            day_secs,
            overrides: map,
        })
    }

    /// A calendar of known-good periods and no overrides.
    fn from_valid_periods(periods: &[(NaiveTime, NaiveTime)]) -> Calendar {
        let spans: Vec<(i64, i64)> = periods
            .iter()
            .map(|&(s, e)| {
                (
                    i64::from(s.num_seconds_from_midnight()),
                    i64::from(e.num_seconds_from_midnight()),
                )
            })
            .collect();
        Calendar {
            periods: periods.to_vec(),
            day_secs: spans.iter().map(|&(s, e)| e - s).sum(),
            spans,
            overrides: BTreeMap::new(),
        }
    }

    /// Parses the text format of `calendar_cn.txt`: one override a line,
    /// `YYYY-MM-DD holiday|workday name` (the name is the rest of the line); `#`
    /// starts a comment; blank lines are ignored; no date twice. The first bad line
    /// is named (1-based) with its field (`date`, `kind` or `name`). The overrides
    /// come back in the order of the text.
    pub fn parse_overrides(text: &str) -> Result<Vec<DayOverride>, CalendarError> {
        let mut out = Vec::new();
        let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = if i == 0 {
                raw.trim_start_matches('\u{feff}')
            } else {
                raw
            };
            let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if content.is_empty() {
                continue;
            }
            let (date_text, rest) = split_word(content);
            let date = parse_date(date_text).ok_or_else(|| {
                CalendarError::new(
                    line,
                    "date",
                    format!("`{date_text}` is not a date of the form YYYY-MM-DD (日期格式错误)"),
                )
            })?;
            let (kind_text, rest) = split_word(rest);
            let kind = match kind_text {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                "" => {
                    return Err(CalendarError::new(
                        line,
                        "kind",
                        "missing: holiday (放假) or workday (调休上班) after the date".to_owned(),
                    ));
                }
                other => {
                    return Err(CalendarError::new(
                        line,
                        "kind",
                        format!("`{other}` is neither holiday (放假) nor workday (调休上班)"),
                    ));
                }
            };
            let name = rest.trim();
            if name.is_empty() {
                return Err(CalendarError::new(
                    line,
                    "name",
                    "missing: the day's name after the kind, e.g. 国庆节 (缺少名称)".to_owned(),
                ));
            }
            if let Some(first) = seen.insert(date, line) {
                return Err(CalendarError::new(
                    line,
                    "date",
                    format!("{date} is already given on line {first} (日期重复)"),
                ));
            }
            out.push(DayOverride {
                date,
                kind,
                name: name.to_owned(),
            });
        }
        Ok(out)
    }

    /// The working periods of a working day, local times, ascending.
    pub fn periods(&self) -> &[(NaiveTime, NaiveTime)] {
        &self.periods
    }

    /// The overrides, in date order.
    pub fn overrides(&self) -> impl Iterator<Item = &DayOverride> {
        self.overrides.values()
    }

    /// The years the overrides cover: the first override's year to the last one's;
    /// `0..=-1` (empty) without overrides. Outside them only weekends are off.
    pub fn years(&self) -> RangeInclusive<i32> {
        match (
            self.overrides.first_key_value(),
            self.overrides.last_key_value(),
        ) {
            (Some((_, first)), Some((_, last))) => first.date.year()..=last.date.year(),
            _ => RangeInclusive::new(0, -1),
        }
    }

    /// Working day: an override decides; otherwise Monday–Friday.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        self.is_working(day_number(date))
    }

    /// Working seconds in `[from, to)` (0 if `to <= from`), exact to the second.
    pub fn working_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let (a, b) = (from.timestamp(), to.timestamp());
        if b <= a {
            return 0;
        }
        let (d0, s0) = local(a);
        let (d1, s1) = local(b);
        if d0 == d1 {
            return if self.is_working(d0) {
                self.done_by(s1) - self.done_by(s0)
            } else {
                0
            };
        }
        let first = if self.is_working(d0) {
            self.day_secs - self.done_by(s0)
        } else {
            0
        };
        let last = if self.is_working(d1) {
            self.done_by(s1)
        } else {
            0
        };
        first + self.working_days(d0 + 1, d1) * self.day_secs + last
    }

    /// The instant when `secs` working seconds after `from` have elapsed; `from`
    /// itself if `secs <= 0`. From outside working time, counting starts at the next
    /// working period's start. A result at the exact end of a period is that end
    /// (e.g. 18:00), not the next period's start. Past chrono's range the result is
    /// `DateTime::<Utc>::MAX_UTC`.
    pub fn add_working_seconds(&self, from: DateTime<Utc>, secs: i64) -> DateTime<Utc> {
        if secs <= 0 {
            return from;
        }
        let secs = secs.min(MAX_ADD_SECS);
        let (day, sec) = local(from.timestamp());
        let done = if self.is_working(day) {
            self.done_by(sec)
        } else {
            self.day_secs
        };
        let left_today = self.day_secs - done;
        if secs <= left_today {
            return instant(day, self.time_at(done + secs));
        }
        let rest = secs - left_today;
        // `rest` in (full * day_secs, (full + 1) * day_secs]: `full` whole working
        // days pass, and the deadline falls on the next one.
        let full = (rest - 1) / self.day_secs;
        let target = self.nth_working_day(day + 1, full + 1);
        instant(target, self.time_at(rest - full * self.day_secs))
    }

    /// End of the working day `t` falls on (its last period's end, local) if `t` is
    /// before that end on a working day; otherwise the end of the next working day.
    pub fn end_of_working_day(&self, t: DateTime<Utc>) -> DateTime<Utc> {
        let (day, sec) = local(t.timestamp());
        let end = self.spans.last().map_or(0, |&(_, e)| e);
        let target = if self.is_working(day) && sec < end {
            day
        } else {
            self.nth_working_day(day + 1, 1)
        };
        instant(target, end)
    }

    /// Working seconds in one working day (sum of the periods), e.g. 28800.
    pub fn working_day_seconds(&self) -> i64 {
        self.day_secs
    }

    /// Whether local day number `day` is a working day.
    fn is_working(&self, day: i64) -> bool {
        match self.overrides.get(&day) {
            Some(o) => o.kind == DayKind::Workday,
            None => is_weekday(day),
        }
    }

    /// Working seconds of a working day done by second-of-day `sec`.
    fn done_by(&self, sec: i64) -> i64 {
        self.spans.iter().map(|&(s, e)| sec.clamp(s, e) - s).sum()
    }

    /// The second of day at which `done` (in `1..=day_secs`) working seconds of a
    /// working day are done: the earliest such second, so a period's end rather
    /// than the next period's start.
    fn time_at(&self, done: i64) -> i64 {
        let mut before = 0;
        for &(s, e) in &self.spans {
            if done <= before + (e - s) {
                return s + (done - before);
            }
            before += e - s;
        }
        self.spans.last().map_or(0, |&(_, e)| e)
    }

    /// Working days among local day numbers `[a, b)`; 0 if `b <= a`.
    fn working_days(&self, a: i64, b: i64) -> i64 {
        if b <= a {
            return 0;
        }
        let adjust: i64 = self
            .overrides
            .range(a..b)
            .map(|(&day, o)| match (o.kind, is_weekday(day)) {
                (DayKind::Holiday, true) => -1,
                (DayKind::Workday, false) => 1,
                _ => 0,
            })
            .sum();
        weekdays_before(b) - weekdays_before(a) + adjust
    }

    /// The day number of the `n`-th (`n >= 1`) working day on or after day `from`.
    fn nth_working_day(&self, from: i64, n: i64) -> i64 {
        let mut day = from;
        let mut need = n;
        for (&o_day, o) in self.overrides.range(from..) {
            let plain = weekdays_before(o_day) - weekdays_before(day);
            if plain >= need {
                return nth_weekday(day, need);
            }
            need -= plain;
            if o.kind == DayKind::Workday {
                need -= 1;
                if need == 0 {
                    return o_day;
                }
            }
            day = o_day + 1;
        }
        nth_weekday(day, need)
    }
}

/// Local day number (days since 1970-01-01) of a date.
fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce()) - EPOCH_DAYS_FROM_CE
}

/// Local day number and second of day of a Unix timestamp.
fn local(timestamp: i64) -> (i64, i64) {
    let t = timestamp + OFFSET_SECS;
    (t.div_euclid(SECS_PER_DAY), t.rem_euclid(SECS_PER_DAY))
}

/// The UTC instant of second `sec` of local day `day`; `MAX_UTC` past chrono's range.
fn instant(day: i64, sec: i64) -> DateTime<Utc> {
    day.checked_mul(SECS_PER_DAY)
        .and_then(|t| t.checked_add(sec - OFFSET_SECS))
        .and_then(|t| DateTime::from_timestamp(t, 0))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// Monday–Friday? Day 0 (1970-01-01) was a Thursday.
fn is_weekday(day: i64) -> bool {
    (day + 3).rem_euclid(7) < 5
}

/// Mondays–Fridays among day numbers `[-3, n)` (day -3 was a Monday); differences
/// give the count over any range.
fn weekdays_before(n: i64) -> i64 {
    let e = n + 3;
    5 * e.div_euclid(7) + e.rem_euclid(7).min(5)
}

/// The day number of the `need`-th (`need >= 1`) Monday–Friday on or after `from`.
fn nth_weekday(from: i64, need: i64) -> i64 {
    // The smallest b with weekdays_before(b) = target is the day after the answer.
    let target = weekdays_before(from) + need;
    let weeks = (target - 1).div_euclid(5);
    7 * weeks + (target - 5 * weeks) - 4
}

/// The first whitespace-separated word of `s` and the rest after it.
fn split_word(s: &str) -> (&str, &str) {
    let s = s.trim_start();
    match s.find(char::is_whitespace) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    }
}

/// A date written exactly `YYYY-MM-DD`.
fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, &c)| {
            if i == 4 || i == 7 {
                c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    let y = s[0..4].parse().ok()?;
    let m = s[5..7].parse().ok()?;
    let d = s[8..10].parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Weekday};

    /// A local (UTC+08:00) instant as UTC.
    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        CHINA_OFFSET
            .with_ymd_and_hms(y, mo, d, h, mi, s)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn t(h: u32, m: u32, s: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, s).unwrap()
    }

    const HOUR: i64 = 3600;

    #[test]
    fn national_day_2026_case_falls_due_on_october_8() {
        let cal = Calendar::china();
        let filed = at(2026, 9, 30, 17, 0, 0);
        // 1 h on Wed 9-30 (17:00–18:00), Oct 1–7 off, then 7 h on Thu 10-08:
        // 09:00–12:00 and 13:00–17:00.
        let due = cal.add_working_seconds(filed, 8 * HOUR);
        assert_eq!(due, at(2026, 10, 8, 17, 0, 0));
        assert_eq!(due.to_rfc3339(), "2026-10-08T09:00:00+00:00");
        assert_eq!(
            due.with_timezone(&CHINA_OFFSET).to_rfc3339(),
            "2026-10-08T17:00:00+08:00"
        );
        assert_eq!(cal.working_seconds(filed, due), 8 * HOUR);
        // One second less is due one second earlier.
        assert_eq!(
            cal.add_working_seconds(filed, 8 * HOUR - 1),
            at(2026, 10, 8, 16, 59, 59)
        );
    }

    #[test]
    fn working_seconds_across_national_day_2026() {
        let cal = Calendar::china();
        // Whole days Wed 9-30 … Thu 10-08 (Oct 1–7 off).
        assert_eq!(
            cal.working_seconds(at(2026, 9, 30, 0, 0, 0), at(2026, 10, 9, 0, 0, 0)),
            16 * HOUR
        );
        // The holiday itself has no working time.
        assert_eq!(
            cal.working_seconds(at(2026, 10, 1, 0, 0, 0), at(2026, 10, 8, 0, 0, 0)),
            0
        );
        // Oct 1–11: Thu 10-08, Fri 10-09, make-up Sat 10-10; Sun 10-11 is off.
        assert_eq!(
            cal.working_seconds(at(2026, 10, 1, 0, 0, 0), at(2026, 10, 12, 0, 0, 0)),
            3 * 8 * HOUR
        );
        // Partial ends: 9-30 16:30 → 10-08 10:15 is 1.5 h + 1.25 h.
        assert_eq!(
            cal.working_seconds(at(2026, 9, 30, 16, 30, 0), at(2026, 10, 8, 10, 15, 0)),
            90 * 60 + 75 * 60
        );
    }

    #[test]
    fn make_up_days_and_holidays_around_national_day_2026() {
        let cal = Calendar::china();
        assert!(cal.is_working_day(date(2026, 10, 10)), "make-up Saturday");
        assert_eq!(date(2026, 10, 10).weekday(), Weekday::Sat);
        assert!(cal.is_working_day(date(2026, 9, 20)), "make-up Sunday");
        assert_eq!(date(2026, 9, 20).weekday(), Weekday::Sun);
        assert!(
            !cal.is_working_day(date(2026, 10, 5)),
            "National Day, a Monday"
        );
        assert!(!cal.is_working_day(date(2026, 10, 11)), "plain Sunday");
        assert!(cal.is_working_day(date(2026, 10, 8)));
        assert!(cal.is_working_day(date(2026, 9, 30)));
        // A case from Friday evening runs on into the make-up Saturday.
        assert_eq!(
            cal.add_working_seconds(at(2026, 10, 9, 17, 0, 0), 2 * HOUR),
            at(2026, 10, 10, 10, 0, 0)
        );
        // And from the make-up Saturday evening on to Monday (Sunday is off).
        assert_eq!(
            cal.add_working_seconds(at(2026, 10, 10, 17, 30, 0), HOUR),
            at(2026, 10, 12, 9, 30, 0)
        );
    }

    #[test]
    fn starting_outside_working_time() {
        let cal = Calendar::china();
        // Wed 2026-03-11, lunch break: counting starts at 13:00.
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 11, 12, 30, 0), 1),
            at(2026, 3, 11, 13, 0, 1)
        );
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 11, 12, 30, 0), HOUR),
            at(2026, 3, 11, 14, 0, 0)
        );
        assert_eq!(
            cal.working_seconds(at(2026, 3, 11, 12, 0, 0), at(2026, 3, 11, 13, 0, 0)),
            0
        );
        assert_eq!(
            cal.working_seconds(at(2026, 3, 11, 11, 0, 0), at(2026, 3, 11, 14, 0, 0)),
            2 * HOUR
        );
        // 20:00 on Wednesday: Thursday 09:00 + 1 h.
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 11, 20, 0, 0), HOUR),
            at(2026, 3, 12, 10, 0, 0)
        );
        // 07:00 before work: the same day's 09:00 + 1 h.
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 11, 7, 0, 0), HOUR),
            at(2026, 3, 11, 10, 0, 0)
        );
        // Saturday 2026-03-14: Monday 03-16.
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 14, 10, 0, 0), HOUR),
            at(2026, 3, 16, 10, 0, 0)
        );
        // On a holiday (Sat 2026-10-03): the first day after National Day.
        assert_eq!(
            cal.add_working_seconds(at(2026, 10, 3, 10, 0, 0), HOUR),
            at(2026, 10, 8, 10, 0, 0)
        );
        // On a Monday-to-Friday holiday (Mon 2026-10-05), a whole day's worth.
        assert_eq!(
            cal.add_working_seconds(at(2026, 10, 5, 10, 0, 0), 8 * HOUR),
            at(2026, 10, 8, 18, 0, 0)
        );
    }

    #[test]
    fn landing_exactly_at_the_end_of_a_period() {
        let cal = Calendar::china();
        let wed = |h, m| at(2026, 3, 11, h, m, 0);
        assert_eq!(cal.add_working_seconds(wed(9, 0), 3 * HOUR), wed(12, 0));
        assert_eq!(cal.add_working_seconds(wed(11, 0), HOUR), wed(12, 0));
        assert_eq!(
            cal.add_working_seconds(wed(9, 0), 3 * HOUR + 1),
            wed(13, 0) + chrono::Duration::seconds(1)
        );
        assert_eq!(cal.add_working_seconds(wed(9, 0), 8 * HOUR), wed(18, 0));
        assert_eq!(cal.add_working_seconds(wed(12, 0), 5 * HOUR), wed(18, 0));
        assert_eq!(cal.add_working_seconds(wed(12, 30), 5 * HOUR), wed(18, 0));
        // From 18:00 (after work), a day's worth ends at the next day's 18:00.
        assert_eq!(
            cal.add_working_seconds(wed(18, 0), 8 * HOUR),
            at(2026, 3, 12, 18, 0, 0)
        );
        // Two days' worth from 09:00 ends at the second day's 18:00.
        assert_eq!(
            cal.add_working_seconds(wed(9, 0), 16 * HOUR),
            at(2026, 3, 12, 18, 0, 0)
        );
        // Friday 18:00 is the end, not Monday 09:00.
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 13, 9, 0, 0), 8 * HOUR),
            at(2026, 3, 13, 18, 0, 0)
        );
        // Before the National Day holiday, the end is 9-30 18:00.
        assert_eq!(
            cal.add_working_seconds(at(2026, 9, 30, 17, 0, 0), HOUR),
            at(2026, 9, 30, 18, 0, 0)
        );
    }

    #[test]
    fn zero_and_negative_seconds_return_from() {
        let cal = Calendar::china();
        let odd = at(2026, 10, 3, 20, 0, 0) + chrono::Duration::milliseconds(250);
        for from in [at(2026, 3, 11, 10, 0, 0), at(2026, 3, 14, 3, 0, 0), odd] {
            assert_eq!(cal.add_working_seconds(from, 0), from);
            assert_eq!(cal.add_working_seconds(from, -1), from);
            assert_eq!(cal.add_working_seconds(from, i64::MIN), from);
            assert_eq!(cal.working_seconds(from, from), 0);
        }
        let (a, b) = (at(2026, 3, 11, 10, 0, 0), at(2026, 3, 12, 10, 0, 0));
        assert_eq!(cal.working_seconds(b, a), 0);
        assert_eq!(cal.working_seconds(a, b), 8 * HOUR);
    }

    #[test]
    fn sub_second_parts_are_floored() {
        let cal = Calendar::china();
        let from = at(2026, 3, 11, 10, 0, 0) + chrono::Duration::milliseconds(700);
        assert_eq!(cal.add_working_seconds(from, 60), at(2026, 3, 11, 10, 1, 0));
        assert_eq!(cal.working_seconds(from, at(2026, 3, 11, 10, 1, 0)), 60);
    }

    #[test]
    fn spans_of_several_years() {
        let cal = Calendar::china();
        let (from, to) = (at(2025, 1, 1, 0, 0, 0), at(2028, 1, 1, 0, 0, 0));
        // 248 working days in each of 2025 and 2026 (as chinesecalendar counts
        // them) and in provisional 2027.
        assert_eq!(cal.working_seconds(from, to), 744 * 8 * HOUR);
        assert_eq!(
            cal.working_seconds(at(2025, 1, 1, 0, 0, 0), at(2026, 1, 1, 0, 0, 0)),
            248 * 8 * HOUR
        );
        assert_eq!(
            cal.working_seconds(at(2026, 1, 1, 0, 0, 0), at(2027, 1, 1, 0, 0, 0)),
            248 * 8 * HOUR
        );
        // The same by a plain walk over the days.
        let mut days = 0;
        let mut d = date(2025, 1, 1);
        while d < date(2028, 1, 1) {
            days += i64::from(cal.is_working_day(d));
            d = d.succ_opt().unwrap();
        }
        assert_eq!(days, 744);
        // The inverse: 744 days' worth from the start ends on the last working
        // day, Fri 2027-12-31 18:00.
        assert_eq!(
            cal.add_working_seconds(from, 744 * 8 * HOUR),
            at(2027, 12, 31, 18, 0, 0)
        );
        // Past the covered years: Monday–Friday.
        let mut weekdays = 0;
        let mut d = date(2030, 1, 1);
        while d < date(2035, 1, 1) {
            weekdays += i64::from(!matches!(d.weekday(), Weekday::Sat | Weekday::Sun));
            d = d.succ_opt().unwrap();
        }
        assert_eq!(
            cal.working_seconds(at(2030, 1, 1, 0, 0, 0), at(2035, 1, 1, 0, 0, 0)),
            weekdays * 8 * HOUR
        );
    }

    #[test]
    fn long_spans_are_fast() {
        let cal = Calendar::china();
        let (from, to) = (at(2024, 6, 1, 10, 0, 0), at(2029, 6, 1, 10, 0, 0));
        let start = std::time::Instant::now();
        let mut total = 0;
        for i in 0..200 {
            total += cal.working_seconds(from, to + chrono::Duration::seconds(i));
            let due = cal.add_working_seconds(from, 1_250 * 8 * HOUR + i);
            total += due.timestamp() % 2;
        }
        let per_call = start.elapsed() / 400;
        assert!(total > 0);
        assert!(
            per_call < std::time::Duration::from_millis(1),
            "{per_call:?} per call"
        );
    }

    #[test]
    fn spring_festival_2026() {
        let cal = Calendar::china();
        // Fri 02-13 16:00 + 8 h: 2 h on Friday, then 6 h on make-up Sat 02-14
        // (09:00–12:00, 13:00–16:00).
        assert_eq!(
            cal.add_working_seconds(at(2026, 2, 13, 16, 0, 0), 8 * HOUR),
            at(2026, 2, 14, 16, 0, 0)
        );
        // Make-up Sat 02-14 17:00 + 2 h: 1 h, Feb 15–23 off, then Tue 02-24 10:00.
        assert_eq!(
            cal.add_working_seconds(at(2026, 2, 14, 17, 0, 0), 2 * HOUR),
            at(2026, 2, 24, 10, 0, 0)
        );
        assert_eq!(
            cal.working_seconds(at(2026, 2, 15, 0, 0, 0), at(2026, 2, 24, 0, 0, 0)),
            0
        );
        assert!(cal.is_working_day(date(2026, 2, 28)), "make-up Saturday");
        assert!(!cal.is_working_day(date(2026, 2, 17)), "正月初一");
    }

    #[test]
    fn cases_in_2025() {
        let cal = Calendar::china();
        // Tue 2025-09-30 17:00 + 8 h: National Day and Mid-Autumn Oct 1–8 off, then
        // 7 h on Thu 10-09.
        assert_eq!(
            cal.add_working_seconds(at(2025, 9, 30, 17, 0, 0), 8 * HOUR),
            at(2025, 10, 9, 17, 0, 0)
        );
        // Fri 2025-01-24 17:00 + 2 h: 1 h, Saturday off, make-up Sun 01-26 10:00.
        assert_eq!(
            cal.add_working_seconds(at(2025, 1, 24, 17, 0, 0), 2 * HOUR),
            at(2025, 1, 26, 10, 0, 0)
        );
        // Labour Day: Wed 04-30 17:00 + 2 h runs to Tue 05-06 10:00.
        assert_eq!(
            cal.add_working_seconds(at(2025, 4, 30, 17, 0, 0), 2 * HOUR),
            at(2025, 5, 6, 10, 0, 0)
        );
        assert!(!cal.is_working_day(date(2025, 2, 4)));
        assert!(cal.is_working_day(date(2025, 2, 8)));
    }

    #[test]
    fn end_of_working_day() {
        let cal = Calendar::china();
        let wed = |h, m, s| at(2026, 3, 11, h, m, s);
        assert_eq!(cal.end_of_working_day(wed(10, 0, 0)), wed(18, 0, 0));
        assert_eq!(cal.end_of_working_day(wed(7, 0, 0)), wed(18, 0, 0));
        assert_eq!(cal.end_of_working_day(wed(12, 30, 0)), wed(18, 0, 0));
        assert_eq!(cal.end_of_working_day(wed(17, 59, 59)), wed(18, 0, 0));
        assert_eq!(
            cal.end_of_working_day(wed(18, 0, 0)),
            at(2026, 3, 12, 18, 0, 0)
        );
        assert_eq!(
            cal.end_of_working_day(wed(20, 0, 0)),
            at(2026, 3, 12, 18, 0, 0)
        );
        // Friday evening: Monday (a plain weekend).
        assert_eq!(
            cal.end_of_working_day(at(2026, 3, 13, 19, 0, 0)),
            at(2026, 3, 16, 18, 0, 0)
        );
        // Before a holiday, and on one.
        assert_eq!(
            cal.end_of_working_day(at(2026, 9, 30, 18, 30, 0)),
            at(2026, 10, 8, 18, 0, 0)
        );
        assert_eq!(
            cal.end_of_working_day(at(2026, 10, 3, 10, 0, 0)),
            at(2026, 10, 8, 18, 0, 0)
        );
        // Friday evening before a make-up Saturday.
        assert_eq!(
            cal.end_of_working_day(at(2026, 10, 9, 19, 0, 0)),
            at(2026, 10, 10, 18, 0, 0)
        );
        // Just after local midnight, which is the previous day in UTC.
        assert_eq!(
            cal.end_of_working_day(at(2026, 3, 12, 0, 30, 0)),
            at(2026, 3, 12, 18, 0, 0)
        );
    }

    #[test]
    fn default_hours() {
        let cal = Calendar::china();
        assert_eq!(cal.working_day_seconds(), 28_800);
        assert_eq!(
            cal.periods(),
            &[(t(9, 0, 0), t(12, 0, 0)), (t(13, 0, 0), t(18, 0, 0))]
        );
    }

    #[test]
    fn outside_the_covered_years_only_weekends_are_off() {
        let cal = Calendar::china();
        assert!(cal.is_working_day(date(2030, 10, 1)), "no data for 2030");
        assert!(cal.is_working_day(date(2024, 10, 1)), "no data for 2024");
        assert!(!cal.is_working_day(date(2030, 10, 5)), "Saturday");
        assert_eq!(
            cal.add_working_seconds(at(2030, 9, 30, 17, 0, 0), 8 * HOUR),
            at(2030, 10, 1, 17, 0, 0)
        );
        let empty = Calendar::new(DEFAULT_PERIODS.to_vec(), vec![]).unwrap();
        assert_eq!(empty.years(), RangeInclusive::new(0, -1));
        assert!(empty.years().is_empty());
        assert_eq!(empty.overrides().count(), 0);
        assert!(empty.is_working_day(date(2026, 10, 1)));
    }

    #[test]
    fn shipped_data_is_complete() {
        let parsed = Calendar::parse_overrides(CHINA_OVERRIDES_TEXT).unwrap();
        let cal = Calendar::china();
        assert_eq!(cal.overrides().count(), parsed.len());
        assert_eq!(cal.years(), 2025..=2027);
        // In date order.
        let dates: Vec<NaiveDate> = cal.overrides().map(|o| o.date).collect();
        assert!(dates.windows(2).all(|w| w[0] < w[1]));
        for o in cal.overrides() {
            if o.kind == DayKind::Workday {
                assert!(
                    matches!(o.date.weekday(), Weekday::Sat | Weekday::Sun),
                    "{} {} is a make-up working day on a {}",
                    o.date,
                    o.name,
                    o.date.weekday()
                );
                assert!(o.name.contains("调休上班"), "{}", o.name);
            }
        }
        for year in 2025..=2027 {
            for festival in [
                "元旦",
                "春节",
                "清明节",
                "劳动节",
                "端午节",
                "中秋节",
                "国庆节",
            ] {
                assert!(
                    cal.overrides().any(|o| o.date.year() == year
                        && o.kind == DayKind::Holiday
                        && o.name.contains(festival)),
                    "{year} lacks {festival}"
                );
            }
        }
    }

    /// The days the PyPI package chinesecalendar 1.11.0 lists for 2025 and 2026
    /// (holidays; make-up working days), as (month, day).
    #[test]
    fn shipped_data_matches_chinesecalendar() {
        let holidays_2025: &[(u32, u32)] = &[
            (1, 1),
            (1, 28),
            (1, 29),
            (1, 30),
            (1, 31),
            (2, 1),
            (2, 2),
            (2, 3),
            (2, 4),
            (4, 4),
            (4, 5),
            (4, 6),
            (5, 1),
            (5, 2),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 31),
            (6, 1),
            (6, 2),
            (10, 1),
            (10, 2),
            (10, 3),
            (10, 4),
            (10, 5),
            (10, 6),
            (10, 7),
            (10, 8),
        ];
        let workdays_2025: &[(u32, u32)] = &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)];
        let holidays_2026: &[(u32, u32)] = &[
            (1, 1),
            (1, 2),
            (1, 3),
            (2, 15),
            (2, 16),
            (2, 17),
            (2, 18),
            (2, 19),
            (2, 20),
            (2, 21),
            (2, 22),
            (2, 23),
            (4, 4),
            (4, 5),
            (4, 6),
            (5, 1),
            (5, 2),
            (5, 3),
            (5, 4),
            (5, 5),
            (6, 19),
            (6, 20),
            (6, 21),
            (9, 25),
            (9, 26),
            (9, 27),
            (10, 1),
            (10, 2),
            (10, 3),
            (10, 4),
            (10, 5),
            (10, 6),
            (10, 7),
        ];
        let workdays_2026: &[(u32, u32)] = &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)];
        let cal = Calendar::china();
        for (year, kind, days) in [
            (2025, DayKind::Holiday, holidays_2025),
            (2025, DayKind::Workday, workdays_2025),
            (2026, DayKind::Holiday, holidays_2026),
            (2026, DayKind::Workday, workdays_2026),
        ] {
            let ours: Vec<(u32, u32)> = cal
                .overrides()
                .filter(|o| o.date.year() == year && o.kind == kind)
                .map(|o| (o.date.month(), o.date.day()))
                .collect();
            assert_eq!(ours, days, "{year} {kind:?}");
        }
    }

    /// A tiny xorshift64 generator: deterministic, no crate.
    struct XorShift(u64);

    impl XorShift {
        fn next(&mut self) -> u64 {
            let mut x = self.0;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            self.0 = x;
            x
        }

        /// Uniform-ish in `[lo, hi)`.
        fn range(&mut self, lo: i64, hi: i64) -> i64 {
            lo + (self.next() % (hi - lo) as u64) as i64
        }
    }

    /// An odd calendar: three periods with seconds, a few overrides.
    fn odd_calendar() -> Calendar {
        Calendar::new(
            vec![
                (t(0, 0, 0), t(0, 30, 0)),
                (t(8, 30, 15), t(11, 45, 0)),
                (t(14, 0, 0), t(23, 59, 59)),
            ],
            vec![
                DayOverride {
                    date: date(2026, 3, 11),
                    kind: DayKind::Holiday,
                    name: "test holiday".into(),
                },
                DayOverride {
                    date: date(2026, 3, 14),
                    kind: DayKind::Workday,
                    name: "test workday".into(),
                },
            ],
        )
        .unwrap()
    }

    #[test]
    fn adding_then_counting_gives_the_seconds_back() {
        let base = at(2024, 6, 1, 0, 0, 0).timestamp();
        let span = at(2028, 6, 1, 0, 0, 0).timestamp() - base;
        for (seed, cal) in [
            (0x9E37_79B9_7F4A_7C15, Calendar::china()),
            (0x2545_F491_4F6C_DD1D, odd_calendar()),
        ] {
            let mut rng = XorShift(seed);
            for _ in 0..3000 {
                let mut from = DateTime::from_timestamp(base + rng.range(0, span), 0).unwrap();
                if rng.next().is_multiple_of(4) {
                    from += chrono::Duration::nanoseconds(rng.range(1, 1_000_000_000));
                }
                let secs = match rng.next() % 4 {
                    0 => rng.range(1, 120),
                    1 => rng.range(1, 2 * 86_400),
                    2 => rng.range(1, 60 * 28_800),
                    _ => rng.range(1, 400 * 28_800),
                };
                let due = cal.add_working_seconds(from, secs);
                assert!(due >= from);
                assert_eq!(cal.working_seconds(from, due), secs, "from {from} + {secs}");
                // Monotonic in secs.
                let more = secs + rng.range(0, 3 * 28_800);
                let later = cal.add_working_seconds(from, more);
                assert!(
                    later >= due,
                    "from {from}: +{secs} → {due}, +{more} → {later}"
                );
                // The result is inside working time or at a period's end: one
                // second less ends strictly earlier.
                let before = cal.add_working_seconds(from, secs - 1);
                assert!(before < due);
                assert_eq!(cal.working_seconds(before, due), 1);
            }
        }
    }

    #[test]
    fn working_seconds_is_additive() {
        let cal = Calendar::china();
        let base = at(2024, 12, 1, 0, 0, 0).timestamp();
        let mut rng = XorShift(0xDEAD_BEEF_CAFE_F00D);
        for _ in 0..2000 {
            let mut p = [0, 0, 0].map(|_| base + rng.range(0, 3 * 366 * 86_400));
            p.sort_unstable();
            let [a, b, c] = p.map(|x| DateTime::from_timestamp(x, 0).unwrap());
            assert_eq!(
                cal.working_seconds(a, c),
                cal.working_seconds(a, b) + cal.working_seconds(b, c)
            );
        }
    }

    /// Against a second-by-second count through chrono's own local dates and times.
    #[test]
    fn working_seconds_matches_a_brute_force_count() {
        for (seed, cal) in [(7_u64, Calendar::china()), (11, odd_calendar())] {
            let mut rng = XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15));
            let base = at(2026, 2, 10, 0, 0, 0).timestamp();
            for _ in 0..20 {
                let a = base + rng.range(0, 60 * 86_400);
                let b = a + rng.range(0, 2 * 86_400);
                let mut count = 0;
                for s in a..b {
                    let local = DateTime::from_timestamp(s, 0)
                        .unwrap()
                        .with_timezone(&CHINA_OFFSET)
                        .naive_local();
                    let time = local.time();
                    if cal.is_working_day(local.date())
                        && cal.periods().iter().any(|&(p, q)| p <= time && time < q)
                    {
                        count += 1;
                    }
                }
                let (from, to) = (
                    DateTime::from_timestamp(a, 0).unwrap(),
                    DateTime::from_timestamp(b, 0).unwrap(),
                );
                assert_eq!(cal.working_seconds(from, to), count, "{from} – {to}");
            }
        }
    }

    #[test]
    fn extreme_inputs_do_not_panic() {
        let cal = Calendar::china();
        let max = DateTime::<Utc>::MAX_UTC;
        let min = DateTime::<Utc>::MIN_UTC;
        assert_eq!(
            cal.add_working_seconds(at(2026, 3, 11, 10, 0, 0), i64::MAX),
            max
        );
        assert_eq!(cal.add_working_seconds(max, 8 * HOUR), max);
        assert!(cal.add_working_seconds(min, 1) > min);
        assert!(cal.working_seconds(min, max) > 0);
        assert_eq!(cal.end_of_working_day(max), max);
        // Ten thousand years of working days.
        let far = cal.add_working_seconds(at(2026, 3, 11, 10, 0, 0), 2_600_000 * 8 * HOUR);
        assert_eq!(
            cal.working_seconds(at(2026, 3, 11, 10, 0, 0), far),
            2_600_000 * 8 * HOUR
        );
    }

    #[test]
    fn parse_overrides_reads_the_format() {
        let text = "\u{feff}# header\r\n\r\n2026-10-01 holiday 国庆节  # inline comment\r\n   \n2026-10-10\tworkday  国庆节 调休上班\n";
        let got = Calendar::parse_overrides(text).unwrap();
        assert_eq!(
            got,
            vec![
                DayOverride {
                    date: date(2026, 10, 1),
                    kind: DayKind::Holiday,
                    name: "国庆节".into(),
                },
                DayOverride {
                    date: date(2026, 10, 10),
                    kind: DayKind::Workday,
                    name: "国庆节 调休上班".into(),
                },
            ]
        );
        assert_eq!(Calendar::parse_overrides("").unwrap(), vec![]);
        assert_eq!(Calendar::parse_overrides("# only\n\n").unwrap(), vec![]);
    }

    #[test]
    fn parse_errors_name_the_line_and_field() {
        let err = |text: &str| Calendar::parse_overrides(text).unwrap_err();
        let ok = "# comment\n2026-10-01 holiday 国庆节\n";

        for bad in [
            "2026-13-01",
            "2026-02-30",
            "2026-2-1",
            "20261001",
            "tomorrow",
            "２０２６-10-01",
        ] {
            let e = err(&format!("{ok}{bad} holiday 国庆节\n"));
            assert_eq!((e.line, e.field), (3, "date"), "{bad}: {e}");
            assert!(e.reason.contains(bad), "{e}");
        }

        let e = err(&format!("{ok}2026-10-02 festival 国庆节\n"));
        assert_eq!((e.line, e.field), (3, "kind"));
        assert!(e.reason.contains("festival"));
        assert_eq!(
            e.to_string(),
            "line 3: kind: `festival` is neither holiday (放假) nor workday (调休上班)"
        );
        let e = err(&format!("{ok}2026-10-02 Holiday 国庆节\n"));
        assert_eq!((e.line, e.field), (3, "kind"));
        let e = err(&format!("{ok}2026-10-02\n"));
        assert_eq!((e.line, e.field), (3, "kind"));
        let e = err(&format!("{ok}2026-10-02 holiday   # no name\n"));
        assert_eq!((e.line, e.field), (3, "name"));

        let e = err(&format!(
            "{ok}\n2026-10-02 holiday 国庆节\n2026-10-01 workday 调休上班\n"
        ));
        assert_eq!((e.line, e.field), (5, "date"));
        assert!(e.reason.contains("line 2"), "{e}");
        assert!(e.to_string().starts_with("line 5: date: 2026-10-01"), "{e}");
    }

    #[test]
    fn new_rejects_bad_periods_and_duplicate_dates() {
        let err =
            |periods: Vec<(NaiveTime, NaiveTime)>| Calendar::new(periods, vec![]).unwrap_err();
        // Overlapping.
        let e = err(vec![(t(9, 0, 0), t(12, 30, 0)), (t(12, 0, 0), t(18, 0, 0))]);
        assert_eq!((e.line, e.field), (0, "periods"));
        assert!(e.reason.contains("period 2"), "{e}");
        assert!(e.to_string().starts_with("periods: period 2"), "{e}");
        // Not ascending.
        let e = err(vec![(t(13, 0, 0), t(18, 0, 0)), (t(9, 0, 0), t(12, 0, 0))]);
        assert_eq!((e.line, e.field), (0, "periods"));
        // Reversed, and empty.
        let e = err(vec![(t(9, 0, 0), t(12, 0, 0)), (t(18, 0, 0), t(13, 0, 0))]);
        assert_eq!((e.line, e.field), (0, "periods"));
        assert!(e.reason.contains("period 2"), "{e}");
        let e = err(vec![(t(9, 0, 0), t(9, 0, 0))]);
        assert_eq!(e.field, "periods");
        let e = err(vec![]);
        assert_eq!(e.field, "periods");
        // Sub-second ends.
        let e = err(vec![(
            t(9, 0, 0),
            NaiveTime::from_hms_milli_opt(12, 0, 0, 500).unwrap(),
        )]);
        assert_eq!(e.field, "periods");
        // Touching periods are fine.
        let cal = Calendar::new(
            vec![(t(9, 0, 0), t(12, 0, 0)), (t(12, 0, 0), t(13, 0, 0))],
            vec![],
        )
        .unwrap();
        assert_eq!(cal.working_day_seconds(), 4 * HOUR);

        let o = |name: &str| DayOverride {
            date: date(2026, 10, 1),
            kind: DayKind::Holiday,
            name: name.into(),
        };
        let e = Calendar::new(DEFAULT_PERIODS.to_vec(), vec![o("国庆节"), o("again")]).unwrap_err();
        assert_eq!((e.line, e.field), (0, "date"));
        assert!(e.reason.contains("2026-10-01"), "{e}");
    }

    #[test]
    fn overrides_serialize_in_snake_case() {
        let o = DayOverride {
            date: date(2026, 10, 10),
            kind: DayKind::Workday,
            name: "国庆节调休上班".into(),
        };
        let json = serde_json::to_string(&o).unwrap();
        assert_eq!(
            json,
            r#"{"date":"2026-10-10","kind":"workday","name":"国庆节调休上班"}"#
        );
        assert_eq!(serde_json::from_str::<DayOverride>(&json).unwrap(), o);
    }
}
