//! A GPS fix (定位点) from the field, the checks of one request's fixes, and the
//! flags of fixes that are kept but not counted.
//!
//! **Refused whole.** [`check_fixes`] checks a request's fixes together: none, more
//! than [`MAX_FIXES`], a coordinate that is not a number or out of range, a time
//! outside 2000–2100, a negative accuracy or speed — each named by its place
//! (`fixes[3].lat`) and the whole request is refused: nothing of it is stored.
//!
//! **Kept, flagged, not counted.** A fix that passes may still be one that cannot
//! be true; [`FixChecker`] gives it a [`Flag`] (the first that applies, in this
//! order): its time is before the worker's previous counted fix; its accuracy is
//! worse than 100 m; it lies outside every subdistrict; it is farther from the
//! worker's previous counted fix than 50 km/h allows. A flagged fix is stored with
//! its flag, shown on the map, and left out of patrols. Only counted fixes are
//! compared against: one wild fix does not make the next good one look wild too.
//!
//! Times are device times in **milliseconds** since the Unix epoch (UTC), what
//! browsers' geolocation and Android's `Location.getTime()` give.

use std::fmt;

use geo::Coord;
use serde::{Deserialize, Serialize};

use super::{AccountId, Metric, Millis};
use crate::coverage::text::Lang;
use crate::error::FieldError;
use crate::index::{Atlas, IdMap, Placement};
use crate::lookup::datum::Datum;

/// Most fixes in one request (issue 13).
pub const MAX_FIXES: usize = 10_000;
/// The fastest implied movement between two counted fixes, km/h: faster is a jump.
pub const MAX_SPEED_KMH: f64 = 50.0;
/// [`MAX_SPEED_KMH`] in m/s (13.89 m/s).
pub const MAX_SPEED_MPS: f64 = MAX_SPEED_KMH / 3.6;
/// The worst accuracy counted, metres (the radius of 68 % confidence devices report).
pub const MAX_ACCURACY_M: f64 = 100.0;
/// Earliest device time accepted: 2000-01-01T00:00:00Z.
pub const EARLIEST_MS: Millis = 946_684_800_000;
/// First device time no longer accepted: 2100-01-01T00:00:00Z.
pub const END_MS: Millis = 4_102_444_800_000;
/// Field errors listed at most for one request (the rest are counted in one more).
pub const MAX_ERRORS: usize = 100;

/// A fix as a client sends it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FixInput {
    /// The grid worker's account id.
    pub worker: AccountId,
    /// Device time, milliseconds since 1970-01-01T00:00:00Z.
    pub time_ms: Millis,
    /// Longitude, degrees, in `datum`.
    pub lon: f64,
    /// Latitude, degrees, in `datum`.
    pub lat: f64,
    /// The datum of `lon`/`lat`: `wgs84` (default), `gcj02` or `bd09`.
    #[serde(default)]
    pub datum: Datum,
    /// Horizontal accuracy in metres, when the device gives it.
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    /// Speed over ground in m/s, when the device gives it (kept, not used).
    #[serde(default)]
    pub speed_mps: Option<f64>,
}

/// A checked fix: WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fix {
    /// The grid worker's account id.
    pub worker: AccountId,
    /// Device time, milliseconds since the epoch.
    pub time_ms: Millis,
    /// Longitude (x) and latitude (y), WGS 84 degrees.
    pub pos: Coord,
    /// Horizontal accuracy, metres.
    pub accuracy_m: Option<f64>,
    /// Speed over ground, m/s.
    pub speed_mps: Option<f64>,
}

impl FixInput {
    /// Checks one fix; errors name `prefix` + the field (`fixes[3].` + `lat`).
    fn check(&self, prefix: &str, out: &mut Vec<FieldError>) -> Option<Fix> {
        let before = out.len();
        let field = |f: &str| format!("{prefix}{f}");
        if self.worker <= 0 {
            out.push(FieldError::new(
                field("worker"),
                "an account id (a positive number)",
            ));
        }
        if !(EARLIEST_MS..END_MS).contains(&self.time_ms) {
            out.push(FieldError::new(
                field("time_ms"),
                format!(
                    "{} is not a time from 2000 to 2099 in milliseconds since 1970 (UTC)",
                    self.time_ms
                ),
            ));
        }
        if !self.lon.is_finite() || !(-180.0..=180.0).contains(&self.lon) {
            out.push(FieldError::new(
                field("lon"),
                format!(
                    "longitude must be a number from -180 to 180, got {}",
                    self.lon
                ),
            ));
        }
        if !self.lat.is_finite() || !(-90.0..=90.0).contains(&self.lat) {
            out.push(FieldError::new(
                field("lat"),
                format!("latitude must be a number from -90 to 90, got {}", self.lat),
            ));
        }
        if let Some(a) = self.accuracy_m
            && !(a.is_finite() && a >= 0.0)
        {
            out.push(FieldError::new(
                field("accuracy_m"),
                format!("accuracy must be a number of metres, 0 or more, got {a}"),
            ));
        }
        if let Some(v) = self.speed_mps
            && !(v.is_finite() && v >= 0.0)
        {
            out.push(FieldError::new(
                field("speed_mps"),
                format!("speed must be a number of m/s, 0 or more, got {v}"),
            ));
        }
        (out.len() == before).then(|| Fix {
            worker: self.worker,
            time_ms: self.time_ms,
            pos: self.datum.to_wgs84(Coord {
                x: self.lon,
                y: self.lat,
            }),
            accuracy_m: self.accuracy_m,
            speed_mps: self.speed_mps,
        })
    }
}

/// Checks one request's fixes as a whole and converts them to WGS 84, in the
/// request's order. Any error refuses the request: the errors name `fixes[i].field`
/// (at most [`MAX_ERRORS`], then one `fixes` error counting the rest).
pub fn check_fixes(fixes: &[FixInput]) -> Result<Vec<Fix>, Vec<FieldError>> {
    if fixes.is_empty() {
        return Err(vec![FieldError::new("fixes", "no fixes: send 1 to 10000")]);
    }
    if fixes.len() > MAX_FIXES {
        return Err(vec![FieldError::new(
            "fixes",
            format!("{} fixes; at most {MAX_FIXES} in one request", fixes.len()),
        )]);
    }
    let mut errors = Vec::new();
    let mut out = Vec::with_capacity(fixes.len());
    let mut more = 0usize;
    let mut scratch = Vec::new();
    for (i, f) in fixes.iter().enumerate() {
        scratch.clear();
        match f.check(&format!("fixes[{i}]."), &mut scratch) {
            Some(fix) => out.push(fix),
            None => {
                let room = MAX_ERRORS.saturating_sub(errors.len());
                more += scratch.len().saturating_sub(room);
                errors.extend(scratch.drain(..).take(room));
            }
        }
    }
    if more > 0 {
        errors.push(FieldError::new(
            "fixes",
            format!("{more} more errors not listed"),
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Why a kept fix is not counted. The order of the variants is the order they are
/// tried in: a fix carries the first that applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// Its time is before the worker's previous counted fix.
    TimeBackwards,
    /// Its accuracy is worse than [`MAX_ACCURACY_M`].
    Inaccurate,
    /// It lies outside every subdistrict.
    Outside,
    /// Reaching it from the worker's previous counted fix takes more than
    /// [`MAX_SPEED_KMH`].
    TooFast,
}

impl Flag {
    /// Every flag, in the order they are tried.
    pub const ALL: [Flag; 4] = [
        Flag::TimeBackwards,
        Flag::Inaccurate,
        Flag::Outside,
        Flag::TooFast,
    ];

    /// The stable machine-readable code (stored, sent, never reworded).
    pub fn code(self) -> &'static str {
        match self {
            Flag::TimeBackwards => "time_backwards",
            Flag::Inaccurate => "inaccurate",
            Flag::Outside => "outside",
            Flag::TooFast => "too_fast",
        }
    }

    /// The flag of a code.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.code() == code)
    }

    /// What it means, in words.
    pub fn text(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Flag::TimeBackwards, Lang::Zh) => "定位时间早于该网格员上一个有效定位点",
            (Flag::TimeBackwards, Lang::En) => "time before the worker's previous counted fix",
            (Flag::Inaccurate, Lang::Zh) => "定位精度差于 100 米",
            (Flag::Inaccurate, Lang::En) => "accuracy worse than 100 m",
            (Flag::Outside, Lang::Zh) => "不在任何街道范围内",
            (Flag::Outside, Lang::En) => "outside every subdistrict",
            (Flag::TooFast, Lang::Zh) => "与上一个有效定位点相比移动速度超过 50 公里/小时",
            (Flag::TooFast, Lang::En) => "a jump from the previous counted fix faster than 50 km/h",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A worker's previous counted fix: what the next one is compared with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Last {
    /// Its device time, ms.
    pub time_ms: Millis,
    /// Its position, WGS 84 degrees.
    pub pos: Coord,
}

impl From<&Fix> for Last {
    fn from(f: &Fix) -> Self {
        Self {
            time_ms: f.time_ms,
            pos: f.pos,
        }
    }
}

/// Flags one worker's fixes in the order they arrive, starting from the previous
/// counted fix (from an earlier batch, or `None` for the first ever). No allocation.
#[derive(Debug, Clone, Copy)]
pub struct FixChecker {
    last: Option<Last>,
    metric: Option<Metric>,
}

impl FixChecker {
    /// A checker after `previous`, the worker's newest counted fix.
    pub fn new(previous: Option<Last>) -> Self {
        Self {
            last: previous,
            metric: previous.map(|l| Metric::new(l.pos)),
        }
    }

    /// The flag of the next fix (`None`: counted, and the new reference).
    /// `in_subdistrict` is whether placing found a subdistrict covering it.
    ///
    /// The speed check allows [`MAX_SPEED_MPS`] over the time between the two
    /// fixes, counted as at least one second (device clocks step by seconds, so
    /// two fixes of one second may carry the same time).
    pub fn check(&mut self, fix: &Fix, in_subdistrict: bool) -> Option<Flag> {
        if let Some(last) = self.last
            && fix.time_ms < last.time_ms
        {
            return Some(Flag::TimeBackwards);
        }
        if fix.accuracy_m.is_some_and(|a| a > MAX_ACCURACY_M) {
            return Some(Flag::Inaccurate);
        }
        if !in_subdistrict {
            return Some(Flag::Outside);
        }
        if let Some(last) = self.last {
            let metric = self.metric.get_or_insert_with(|| Metric::new(last.pos));
            let d = metric.distance(last.pos, fix.pos);
            let secs = ((fix.time_ms - last.time_ms) as f64 / 1000.0).max(1.0);
            if d > MAX_SPEED_MPS * secs {
                return Some(Flag::TooFast);
            }
        }
        self.last = Some(Last::from(fix));
        None
    }

    /// The newest counted fix so far (to keep for the next batch).
    pub fn last(&self) -> Option<Last> {
        self.last
    }
}

/// Flags a checked batch (several workers allowed; each worker's fixes in the
/// batch's order): one flag or `None` per fix, and each worker's newest counted fix
/// after the batch (to keep for the next one). `previous` gives a worker's newest
/// counted fix before the batch; `in_subdistrict` whether a fix lies in some
/// subdistrict (from placing it).
pub fn flag_batch(
    fixes: &[Fix],
    previous: impl Fn(AccountId) -> Option<Last>,
    mut in_subdistrict: impl FnMut(&Fix) -> bool,
) -> (Vec<Option<Flag>>, Vec<(AccountId, Last)>) {
    flag_indexed(fixes, previous, |_, f| in_subdistrict(f))
}

/// [`flag_batch`] with the fix's index given to `in_subdistrict`.
fn flag_indexed(
    fixes: &[Fix],
    previous: impl Fn(AccountId) -> Option<Last>,
    mut in_subdistrict: impl FnMut(usize, &Fix) -> bool,
) -> (Vec<Option<Flag>>, Vec<(AccountId, Last)>) {
    let mut checkers: IdMap<FixChecker> = IdMap::default();
    let flags = fixes
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let c = checkers
                .entry(f.worker)
                .or_insert_with(|| FixChecker::new(previous(f.worker)));
            c.check(f, in_subdistrict(i, f))
        })
        .collect();
    let mut lasts: Vec<(AccountId, Last)> = checkers
        .into_iter()
        .filter_map(|(w, c)| c.last().map(|l| (w, l)))
        .collect();
    lasts.sort_unstable_by_key(|(w, _)| *w);
    (flags, lasts)
}

/// A fix of a batch as ingest keeps it: where it lies and whether it counts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Placed {
    /// The checked fix.
    pub fix: Fix,
    /// Its subdistrict and grid path (the in-memory index; the boundary rule of
    /// lookups).
    pub placement: Placement,
    /// Why it is not counted, if it is not.
    pub flag: Option<Flag>,
}

/// Ingest's domain step for a checked batch: each fix placed with the atlas
/// (allocation-free per fix) and flagged ([`flag_batch`]; outside every
/// subdistrict = no subdistrict in its placement). Returns the batch in order and
/// each worker's newest counted fix after it.
pub fn place_and_flag(
    atlas: &Atlas,
    fixes: &[Fix],
    previous: impl Fn(AccountId) -> Option<Last>,
) -> (Vec<Placed>, Vec<(AccountId, Last)>) {
    let placements: Vec<Placement> = fixes.iter().map(|f| atlas.place(f.pos)).collect();
    let (flags, lasts) = flag_indexed(fixes, previous, |i, _| placements[i].subdistrict.is_some());
    let placed = fixes
        .iter()
        .zip(placements)
        .zip(flags)
        .map(|((&fix, placement), flag)| Placed {
            fix,
            placement,
            flag,
        })
        .collect();
    (placed, lasts)
}
