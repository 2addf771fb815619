//! The PRC resident identity number (公民身份号码, GB 11643-1999): 18 characters —
//! a 6-digit region code (GB/T 2260), the birth date `YYYYMMDD`, a 3-digit sequence
//! (odd for men, even for women) and an ISO 7064 MOD 11-2 check character (`0`–`9`
//! or `X`).
//!
//! Personal data: a number is kept only as its keyed hash ([`IdKey::hash`],
//! HMAC-SHA-256 with a server secret — it matches, for duplicates and search, but
//! cannot be read back) and its mask ([`IdNumber::masked`], `110105********002X`).
//! [`IdNumber`] itself never prints whole: its `Debug` is the mask, it has no
//! `Display` and no `Serialize`.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Characters of a resident identity number.
pub const LEN: usize = 18;

/// ISO 7064 MOD 11-2 weights of the first 17 digits (2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// The check character for each remainder of the weighted sum mod 11.
const CHECK: [u8; 11] = *b"10X98765432";

/// Province-level codes of GB/T 2260 (the first two digits), with 71 Taiwan, 81 Hong
/// Kong, 82 Macao and 83 (residence permits of Taiwan residents, 2018). The 2023
/// foreigners' permanent residence card, which starts with 9, is accepted too
/// (`9` + the issuing province's first digit).
const PROVINCES: [u8; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

/// The earliest birth year accepted.
pub const MIN_BIRTH_YEAR: i32 = 1900;

/// Why a text is not a resident identity number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdError {
    /// Not 18 characters.
    Length {
        /// Characters found.
        found: usize,
    },
    /// A character other than a digit (or `X` last).
    Character {
        /// 1-based position.
        at: usize,
    },
    /// The first two digits are no province-level code.
    Region,
    /// Characters 7–14 are no date, or one before 1900 or after today.
    BirthDate {
        /// What is wrong with it.
        why: &'static str,
    },
    /// The last character does not match the first 17.
    CheckDigit {
        /// The check character the first 17 digits give.
        expected: char,
    },
}

impl std::fmt::Display for IdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the number itself: these reasons go into error lists and logs.
        match self {
            IdError::Length { found } => write!(
                f,
                "an identity number has {LEN} characters, this one has {found}"
            ),
            IdError::Character { at } => write!(
                f,
                "character {at} must be a digit{}",
                if *at == LEN { " or X" } else { "" }
            ),
            IdError::Region => {
                f.write_str("the first two digits are not a province-level region code")
            }
            IdError::BirthDate { why } => write!(f, "the birth date (characters 7–14) {why}"),
            IdError::CheckDigit { .. } => {
                f.write_str("the check digit (character 18) does not match the first 17 digits")
            }
        }
    }
}

/// A valid resident identity number (the check character upper case). Its `Debug`
/// shows only the mask.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber([u8; LEN]);

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl IdNumber {
    /// Checks `s` (surrounding spaces and a lower-case `x` allowed), with `today`
    /// the latest birth date accepted. The first failing check is the reason, in
    /// the order length, characters, region, birth date, check digit.
    ///
    /// # Examples
    /// ```
    /// use gridd::households::id_number::{IdError, IdNumber};
    /// let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 3).unwrap();
    /// let id = IdNumber::parse("11010519491231002x", today).unwrap();
    /// assert_eq!(id.masked(), "110105********002X");
    /// assert!(matches!(IdNumber::parse("110105194912310021", today), Err(IdError::CheckDigit { .. })));
    /// ```
    pub fn parse(s: &str, today: NaiveDate) -> Result<IdNumber, IdError> {
        let s = s.trim().as_bytes();
        if s.len() != LEN {
            // Count characters, not bytes, in the reason (a full-width digit is 3 bytes).
            let found = std::str::from_utf8(s).map_or(s.len(), |t| t.chars().count());
            return Err(IdError::Length { found });
        }
        let mut b = [0u8; LEN];
        b.copy_from_slice(s);
        if b[LEN - 1] == b'x' {
            b[LEN - 1] = b'X';
        }
        if let Some(at) = b
            .iter()
            .enumerate()
            .position(|(i, c)| !(c.is_ascii_digit() || (i == LEN - 1 && *c == b'X')))
        {
            return Err(IdError::Character { at: at + 1 });
        }
        let province = (b[0] - b'0') * 10 + (b[1] - b'0');
        if !(PROVINCES.contains(&province) || (b[0] == b'9' && b[1] != b'0')) {
            return Err(IdError::Region);
        }
        let num = |r: std::ops::Range<usize>| {
            b[r].iter()
                .fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'))
        };
        let (y, m, d) = (num(6..10), num(10..12), num(12..14));
        #[allow(clippy::cast_possible_wrap)] // at most 9999
        let Some(birth) = NaiveDate::from_ymd_opt(y as i32, m, d) else {
            return Err(IdError::BirthDate {
                why: "is not a date",
            });
        };
        if birth.year() < MIN_BIRTH_YEAR {
            return Err(IdError::BirthDate {
                why: "is before 1900",
            });
        }
        if birth > today {
            return Err(IdError::BirthDate {
                why: "is in the future",
            });
        }
        let expected = check_char(&b);
        if b[LEN - 1] != expected {
            return Err(IdError::CheckDigit {
                expected: char::from(expected),
            });
        }
        Ok(IdNumber(b))
    }

    /// The number whole (to hash it; never to store, show or log it).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_else(|_| unreachable!("ASCII by construction"))
    }

    /// The birth date it carries.
    pub fn birth_date(&self) -> NaiveDate {
        let n = |i: usize| u32::from(self.0[i] - b'0');
        let y = n(6) * 1000 + n(7) * 100 + n(8) * 10 + n(9);
        #[allow(clippy::cast_possible_wrap)]
        NaiveDate::from_ymd_opt(y as i32, n(10) * 10 + n(11), n(12) * 10 + n(13))
            .unwrap_or_else(|| unreachable!("checked by parse"))
    }

    /// The mask shown wherever a number is displayed: the region code (first 6) and
    /// the last 4 (sequence and check character) kept, the birth date hidden —
    /// `110105********002X`. Enough to tell two people of one household apart and
    /// to read it back to its holder, not enough to reconstruct it.
    pub fn masked(&self) -> String {
        let mut s = String::with_capacity(LEN);
        s.push_str(&self.as_str()[..6]);
        s.push_str("********");
        s.push_str(&self.as_str()[14..]);
        s
    }
}

/// The 17 digits `first17` with their check character appended — for generators
/// of test and demo data; `None` unless 17 ASCII digits.
///
/// ```
/// assert_eq!(gridd::households::id_number::complete("11010519491231002").unwrap(), "11010519491231002X");
/// ```
pub fn complete(first17: &str) -> Option<String> {
    let d = first17.as_bytes();
    if d.len() != 17 || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut b = [0u8; LEN];
    b[..17].copy_from_slice(d);
    let mut s = first17.to_owned();
    s.push(char::from(check_char(&b)));
    Some(s)
}

/// The check character (`0`–`9`, `X`) of the first 17 digits.
fn check_char(b: &[u8; LEN]) -> u8 {
    let sum: u32 = b[..17]
        .iter()
        .zip(WEIGHTS)
        .map(|(c, w)| u32::from(c - b'0') * w)
        .sum();
    CHECK[(sum % 11) as usize]
}

/// The keyed hash of an identity number: HMAC-SHA-256 of its 18 characters (check
/// character upper case) under the server's [`IdKey`]. Equal numbers give equal
/// hashes under one key; without the key it cannot be computed or reversed (the
/// space of numbers is small enough to enumerate, so a plain hash would not do).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdHash(pub [u8; 32]);

impl std::fmt::Debug for IdHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IdHash({})", self.to_hex())
    }
}

impl IdHash {
    /// Lower-case hex, 64 characters (the stored form).
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// From its stored hex form.
    pub fn from_hex(s: &str) -> Option<IdHash> {
        let mut out = [0u8; 32];
        unhex(s, &mut out)?;
        Some(IdHash(out))
    }
}

impl Serialize for IdHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for IdHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IdHash::from_hex(&s).ok_or_else(|| serde::de::Error::custom("64 hex digits"))
    }
}

/// Shortest key accepted (bytes): HMAC keys shorter than the hash's output weaken it.
pub const MIN_KEY_BYTES: usize = 32;
const BLOCK: usize = 64;

/// The server's secret key for [`IdHash`]es. It is configuration, never stored
/// with the data it protects (docs/households.md); its `Debug` shows nothing of it.
/// The inner and outer HMAC states are computed once, so a hash costs two SHA-256
/// compressions.
#[derive(Clone)]
pub struct IdKey {
    inner: Sha256,
    outer: Sha256,
}

impl std::fmt::Debug for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IdKey(…)")
    }
}

/// Why a key was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Fewer than [`MIN_KEY_BYTES`] bytes.
    #[error(
        "the identity-number key needs at least {MIN_KEY_BYTES} bytes (64 hex digits), it has {0}"
    )]
    Short(usize),
    /// Not hex.
    #[error("the identity-number key must be hex digits")]
    NotHex,
}

impl IdKey {
    /// A key from raw bytes (at least [`MIN_KEY_BYTES`]).
    pub fn new(key: &[u8]) -> Result<IdKey, KeyError> {
        if key.len() < MIN_KEY_BYTES {
            return Err(KeyError::Short(key.len()));
        }
        Ok(Self::hmac(key))
    }

    /// A key from hex (as kept in a key file or an environment variable; spaces
    /// and a final newline ignored).
    pub fn from_hex(s: &str) -> Result<IdKey, KeyError> {
        let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        if !s.len().is_multiple_of(2) {
            return Err(KeyError::NotHex);
        }
        let mut bytes = vec![0u8; s.len() / 2];
        unhex(&s, &mut bytes).ok_or(KeyError::NotHex)?;
        IdKey::new(&bytes)
    }

    /// HMAC (RFC 2104) over SHA-256 with any key length (the RFC 4231 vectors
    /// test it with short keys).
    fn hmac(key: &[u8]) -> IdKey {
        let mut k = [0u8; BLOCK];
        if key.len() > BLOCK {
            k[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            k[..key.len()].copy_from_slice(key);
        }
        let pad = |x: u8| {
            let mut p = [0u8; BLOCK];
            for (o, b) in p.iter_mut().zip(k) {
                *o = b ^ x;
            }
            let mut h = Sha256::new();
            h.update(p);
            h
        };
        IdKey {
            inner: pad(0x36),
            outer: pad(0x5c),
        }
    }

    /// HMAC-SHA-256 of `msg`.
    fn mac(&self, msg: &[u8]) -> [u8; 32] {
        let mut inner = self.inner.clone();
        inner.update(msg);
        let mut outer = self.outer.clone();
        outer.update(inner.finalize());
        outer.finalize().into()
    }

    /// The hash of an identity number.
    pub fn hash(&self, id: &IdNumber) -> IdHash {
        IdHash(self.mac(&id.0))
    }
}

fn hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 15)]));
    }
    s
}

fn unhex(s: &str, out: &mut [u8]) -> Option<()> {
    let s = s.as_bytes();
    if s.len() != out.len() * 2 {
        return None;
    }
    let v = |c: u8| char::from(c).to_digit(16);
    for (o, pair) in out.iter_mut().zip(s.chunks_exact(2)) {
        #[allow(clippy::cast_possible_truncation)] // two hex digits
        let b = (v(pair[0])? * 16 + v(pair[1])?) as u8;
        *o = b;
    }
    Some(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    #[test]
    fn the_standards_examples_are_valid() {
        // GB 11643-1999's own examples. 11010519491231002X by hand: the weighted
        // sum of 1101051949123100 2 is 1·7+1·9+0·10+1·5+0·8+5·4+1·2+9·1+4·6+9·3
        // +1·7+2·9+3·10+1·5+0·8+0·4+2·2 = 167; 167 mod 11 = 2 → 'X'.
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.as_str(), "11010519491231002X");
        assert_eq!(
            id.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        // 440524188001010014 (sum 195, 195 mod 11 = 8 → '4': its check digit is
        // right) is the standard's 1880 example, refused for its birth year only.
        assert_eq!(
            IdNumber::parse("440524188001010014", today()),
            Err(IdError::BirthDate {
                why: "is before 1900"
            })
        );
        // Lower-case x and surrounding spaces are accepted and normalised.
        let lower = IdNumber::parse(" 11010519491231002x ", today()).unwrap();
        assert_eq!(lower, id);
        // A digit check character: 32050819900101123 → sum 197, 197 mod 11 = 10 → '2'.
        assert!(IdNumber::parse("320508199001011232", today()).is_ok());
    }

    #[test]
    fn each_reason_is_named() {
        let t = today();
        assert_eq!(
            IdNumber::parse("11010519491231002", t),
            Err(IdError::Length { found: 17 })
        );
        assert_eq!(
            IdNumber::parse("１１０１０５１９４９１２３１００２X", t),
            Err(IdError::Length { found: 18 })
        );
        assert_eq!(
            IdNumber::parse("1101051949123100XX", t),
            Err(IdError::Character { at: 17 })
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y", t),
            Err(IdError::Character { at: 18 })
        );
        assert_eq!(
            IdNumber::parse("00010519491231002X", t),
            Err(IdError::Region)
        );
        // 30 February.
        assert_eq!(
            IdNumber::parse("110105200002300012", t),
            Err(IdError::BirthDate {
                why: "is not a date"
            })
        );
        assert_eq!(
            IdNumber::parse("110105202701010012", t),
            Err(IdError::BirthDate {
                why: "is in the future"
            })
        );
        // A wrong check digit: the right one is X.
        assert_eq!(
            IdNumber::parse("110105194912310021", t),
            Err(IdError::CheckDigit { expected: 'X' })
        );
        // Reasons never carry the number.
        let e = IdNumber::parse("110105194912310021", t)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("1949"), "{e}");
    }

    #[test]
    fn the_mask_keeps_region_and_last_four() {
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231() {
        // Test case 1: key 0x0b × 20, "Hi There".
        let k = IdKey::hmac(&[0x0b; 20]);
        assert_eq!(
            hex(&k.mac(b"Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
        // Test case 2: key "Jefe".
        let k = IdKey::hmac(b"Jefe");
        assert_eq!(
            hex(&k.mac(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a 131-byte key (hashed first).
        let k = IdKey::hmac(&[0xaa; 131]);
        assert_eq!(
            hex(&k.mac(b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn hashes_match_under_one_key_only() {
        let a = IdKey::new(&[7; 32]).unwrap();
        let b = IdKey::from_hex(&"08".repeat(32)).unwrap();
        let id = IdNumber::parse("11010519491231002X", today()).unwrap();
        let same = IdNumber::parse("11010519491231002x", today()).unwrap();
        assert_eq!(a.hash(&id), a.hash(&same));
        assert_ne!(a.hash(&id), b.hash(&id));
        let h = a.hash(&id);
        assert_eq!(IdHash::from_hex(&h.to_hex()), Some(h));
        assert_eq!(IdKey::new(&[1; 16]).unwrap_err(), KeyError::Short(16));
        assert_eq!(IdKey::from_hex("zz").unwrap_err(), KeyError::NotHex);
        assert_eq!(format!("{a:?}"), "IdKey(…)");
    }
}
