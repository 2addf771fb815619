//! Grid codes: CJ/T 349-2010 extended to the five levels of DB32/T 2763-2015.
//!
//! Layout (all decimal digits; see `docs/grid-codes.md`):
//!
//! | level | length | made of |
//! |---|---|---|
//! | subdistrict | 9 | county (GB/T 2260, 6) + subdistrict (GB/T 10114, 3) |
//! | L1 community | 12 | subdistrict + community (CJ/T 213, 3) |
//! | L2 | 15 | L1 + sequence (3) |
//! | L3 | 18 | L2 + sequence (3) |
//! | L4 | 21 | L3 + sequence (3) |
//! | L5 | 24 | L4 + sequence (3) |
//!
//! A code's prefix is its parent's code and its level is read off its length.
//! Sequences run `001`–`999`; `000` is refused (CJ/T 349 uses `00` for "not
//! subdivided", which here is simply a grid without children).

use crate::error::FieldError;

/// Digits of a subdistrict code.
pub const SUBDISTRICT_CODE_LEN: usize = 9;
/// Digits of each sequence segment below the subdistrict.
pub const SEGMENT_LEN: usize = 3;
/// Largest sequence number in one segment.
pub const MAX_SEQUENCE: u32 = 999;
/// Deepest grid level.
pub const MAX_LEVEL: u8 = 5;

/// The length of a level's code: 12 for L1 … 24 for L5.
pub const fn code_len(level: u8) -> usize {
    SUBDISTRICT_CODE_LEN + SEGMENT_LEN * level as usize
}

/// Checks a subdistrict code: exactly nine digits.
pub fn check_subdistrict_code(field: &str, code: &str) -> Result<(), FieldError> {
    if code.len() != SUBDISTRICT_CODE_LEN || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(FieldError::new(
            field,
            format!(
                "a subdistrict code is {SUBDISTRICT_CODE_LEN} digits (county 6 + subdistrict 3), got {code:?}"
            ),
        ));
    }
    Ok(())
}

/// Checks a grid code's form against its level and its parent's code (the
/// subdistrict code for L1). Uniqueness is checked by the caller, who knows the tree.
pub fn check_grid_code(
    field: &str,
    code: &str,
    level: u8,
    parent_code: &str,
) -> Result<(), FieldError> {
    if !code.bytes().all(|b| b.is_ascii_digit()) || code.is_empty() {
        return Err(FieldError::new(
            field,
            format!("a grid code is made of decimal digits only, got {code:?}"),
        ));
    }
    if !(1..=MAX_LEVEL).contains(&level) {
        return Ok(()); // the level itself is reported by the level check
    }
    let want = code_len(level);
    if code.len() != want {
        return Err(FieldError::new(
            field,
            format!(
                "a level {level} code has {want} digits (parent code + {SEGMENT_LEN}-digit sequence), {code:?} has {}",
                code.len()
            ),
        ));
    }
    if !code.starts_with(parent_code) || parent_code.len() + SEGMENT_LEN != code.len() {
        return Err(FieldError::new(
            field,
            format!("code {code:?} must start with its parent's code {parent_code:?}"),
        ));
    }
    if sequence(code) == Some(0) {
        return Err(FieldError::new(
            field,
            "the last 3 digits are the sequence among siblings and run 001–999; 000 is not used",
        ));
    }
    Ok(())
}

/// The sibling sequence: the last segment of a grid code.
pub fn sequence(code: &str) -> Option<u32> {
    code.len()
        .checked_sub(SEGMENT_LEN)
        .and_then(|i| code.get(i..))
        .and_then(|s| s.parse().ok())
}

/// The level a code's length implies, if it is a grid code length.
pub fn level_of(code: &str) -> Option<u8> {
    let n = code.len();
    (n > SUBDISTRICT_CODE_LEN && (n - SUBDISTRICT_CODE_LEN).is_multiple_of(SEGMENT_LEN))
        .then(|| ((n - SUBDISTRICT_CODE_LEN) / SEGMENT_LEN) as u8)
        .filter(|l| (1..=MAX_LEVEL).contains(l))
}

/// The code of the `seq`-th child of `parent`.
pub fn child_code(parent: &str, seq: u32) -> Result<String, String> {
    if seq == 0 || seq > MAX_SEQUENCE {
        return Err(format!(
            "sequence {seq} does not fit in {SEGMENT_LEN} digits (001–{MAX_SEQUENCE})"
        ));
    }
    Ok(format!("{parent}{seq:03}"))
}

/// The CJ/T 349-2010 20-digit form of an L1 or L2 code: object class (6, CJ/T 348),
/// then the 12-digit community code, then a 2-digit grid sequence (`00` for L1).
/// `None` for deeper levels or a sequence above 99, which the 20-digit form cannot carry.
pub fn cjt349(code: &str, object_class: &str) -> Option<String> {
    match level_of(code)? {
        1 => Some(format!("{object_class}{code}00")),
        2 => {
            let seq = sequence(code)?;
            (seq <= 99).then(|| format!("{object_class}{}{seq:02}", &code[..code_len(1)]))
        }
        _ => None,
    }
}

/// Orders positions (lon, lat) in reading order: north-west first, left→right, then
/// top→bottom. Points are banded into rows `row_height` degrees of latitude tall so
/// that a slightly lower point to the left still reads first.
pub fn reading_order(points: &[(f64, f64)], row_height: f64) -> Vec<usize> {
    let top = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let mut idx: Vec<usize> = (0..points.len()).collect();
    let band = |i: usize| ((top - points[i].1) / row_height.max(f64::EPSILON)).floor() as i64;
    idx.sort_by(|&a, &b| {
        band(a)
            .cmp(&band(b))
            .then(points[a].0.total_cmp(&points[b].0))
            .then(a.cmp(&b))
    });
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_prefixes() {
        assert_eq!(level_of("320508990001"), Some(1));
        assert_eq!(level_of("320508990001002003"), Some(3));
        assert_eq!(level_of("32050899000"), None);
        assert!(check_grid_code("code", "320508990001", 1, "320508990").is_ok());
        let e = check_grid_code("code", "320508991001", 1, "320508990").expect_err("prefix");
        assert!(e.reason.contains("parent"));
        assert!(check_grid_code("code", "320508990000", 1, "320508990").is_err());
        assert!(check_grid_code("code", "3205089900010", 2, "320508990001").is_err());
        assert!(check_grid_code("code", "32050899000A", 1, "320508990").is_err());
    }

    #[test]
    fn cjt349_form() {
        assert_eq!(
            cjt349("320508990001", "010100").as_deref(),
            Some("01010032050899000100")
        );
        assert_eq!(
            cjt349("320508990001012", "010100").as_deref(),
            Some("01010032050899000112")
        );
        assert_eq!(cjt349("320508990001120", "010100"), None);
        assert_eq!(
            child_code("320508990001", 1000),
            Err("sequence 1000 does not fit in 3 digits (001–999)".into())
        );
    }

    #[test]
    fn reading_order_is_north_west_first() {
        // two rows: (0,1) (1,1.0001) on top, (0,0) (1,0) below
        let pts = [(1.0, 0.0), (0.0, 0.0), (1.0, 1.0001), (0.0, 1.0)];
        assert_eq!(reading_order(&pts, 0.5), vec![3, 2, 1, 0]);
    }
}
