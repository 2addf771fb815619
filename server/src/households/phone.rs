//! Mainland China phone numbers: mobiles (11 digits, `1[3-9]…`, an optional `+86`
//! or `86` before them) and landlines (an area code of `0` + 2 or 3 digits — `010`
//! and `02x` have 3 digits in all, every other area code 4 — then a 7- or 8-digit
//! subscriber number that starts with neither 0 nor 1). Spaces and hyphens between
//! the digits are allowed on input; a number is kept normalised: `13800138000`,
//! `0512-65123456`.

use serde::{Deserialize, Serialize};

/// What kind of number it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneKind {
    /// 手机.
    Mobile,
    /// 固定电话.
    Landline,
}

/// A valid phone number in its normalised form.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Personal data: a debug print (a log line) shows the mask only.
        write!(f, "Phone({})", self.masked())
    }
}

impl TryFrom<String> for Phone {
    type Error = PhoneError;
    fn try_from(s: String) -> Result<Phone, PhoneError> {
        Phone::parse(&s)
    }
}

impl From<Phone> for String {
    fn from(p: Phone) -> String {
        p.0
    }
}

/// Why a text is not a phone number. The reasons never repeat the number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Nothing but separators.
    #[error("is empty")]
    Empty,
    /// Something other than digits, spaces, hyphens or a leading `+`.
    #[error("may hold only digits, spaces and hyphens (and +86 before a mobile)")]
    Character,
    /// Starts with 1 but is not 11 digits.
    #[error("a mobile number has 11 digits, this one has {0}")]
    MobileLength(usize),
    /// 11 digits starting 10, 11 or 12.
    #[error("a mobile number starts with 13 to 19")]
    MobilePrefix,
    /// `+86` before something that is not a mobile.
    #[error("+86 must be followed by an 11-digit mobile number")]
    Country,
    /// A landline without a valid area code (or none at all).
    #[error(
        "a landline needs its area code: 010, 02x and 3 digits after 0 for the others (0512-…)"
    )]
    AreaCode,
    /// A landline whose subscriber number is not 7 or 8 digits from 2–9.
    #[error("a landline's number after the area code has 7 or 8 digits and starts with 2 to 9")]
    Subscriber,
}

impl Phone {
    /// Checks and normalises `s`.
    ///
    /// # Examples
    /// ```
    /// use gridd::households::phone::{Phone, PhoneError, PhoneKind};
    /// assert_eq!(Phone::parse("+86 138-0013-8000").unwrap().as_str(), "13800138000");
    /// assert_eq!(Phone::parse("0512 65123456").unwrap().kind(), PhoneKind::Landline);
    /// assert_eq!(Phone::parse("12800138000"), Err(PhoneError::MobilePrefix));
    /// ```
    pub fn parse(s: &str) -> Result<Phone, PhoneError> {
        let s = s.trim();
        let (plus, rest) = match s.strip_prefix('+') {
            Some(r) => (true, r),
            None => (false, s),
        };
        // Digits, with the positions of hyphens (an area code the writer marked).
        let mut digits = [0u8; 24];
        let mut n = 0;
        let mut first_hyphen = None;
        for c in rest.bytes() {
            match c {
                b'0'..=b'9' => {
                    if n == digits.len() {
                        return Err(PhoneError::Subscriber);
                    }
                    digits[n] = c;
                    n += 1;
                }
                b'-' => {
                    if first_hyphen.is_none() {
                        first_hyphen = Some(n);
                    }
                }
                b' ' => {}
                _ => return Err(PhoneError::Character),
            }
        }
        let mut d = &digits[..n];
        if d.is_empty() {
            return Err(if plus {
                PhoneError::Country
            } else {
                PhoneError::Empty
            });
        }
        let country = if plus {
            if !d.starts_with(b"86") {
                return Err(PhoneError::Country);
            }
            true
        } else {
            // 86 then 11 digits from 1: a mobile written with its country code.
            d.len() == 13 && d.starts_with(b"861")
        };
        if country {
            d = &d[2..];
            if d.first() != Some(&b'1') || d.len() != 11 {
                return Err(PhoneError::Country);
            }
            first_hyphen = None;
        }
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        match d[0] {
            b'1' => {
                if d.len() != 11 {
                    return Err(PhoneError::MobileLength(d.len()));
                }
                if !(b'3'..=b'9').contains(&d[1]) {
                    return Err(PhoneError::MobilePrefix);
                }
                Ok(Phone(text(d)))
            }
            b'0' => {
                // 010 and 020–029 are 3 digits; 03xx–09xx are 4.
                let area = if d.len() >= 2 && matches!(d[1], b'1' | b'2') {
                    if d[1] == b'1' && d.get(2) != Some(&b'0') {
                        return Err(PhoneError::AreaCode);
                    }
                    3
                } else {
                    4
                };
                if d.len() < area || d[1] == b'0' {
                    return Err(PhoneError::AreaCode);
                }
                if first_hyphen.is_some_and(|h| h != area) {
                    // The writer's hyphen marks a different area code.
                    return Err(PhoneError::AreaCode);
                }
                let sub = &d[area..];
                if !(7..=8).contains(&sub.len()) || matches!(sub[0], b'0' | b'1') {
                    return Err(PhoneError::Subscriber);
                }
                Ok(Phone(format!("{}-{}", text(&d[..area]), text(sub))))
            }
            // A local number without its area code.
            _ => Err(PhoneError::AreaCode),
        }
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Mobile or landline.
    pub fn kind(&self) -> PhoneKind {
        if self.0.starts_with('1') {
            PhoneKind::Mobile
        } else {
            PhoneKind::Landline
        }
    }

    /// The mask shown outside the holder's scope: a mobile keeps its first 3 and
    /// last 4 digits (`138****8000`), a landline its area code and last 4
    /// (`0512-****3456`).
    pub fn masked(&self) -> String {
        match self.0.split_once('-') {
            Some((area, sub)) => format!("{area}-****{}", &sub[sub.len() - 4..]),
            None => format!("{}****{}", &self.0[..3], &self.0[7..]),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ok(s: &str) -> String {
        Phone::parse(s).unwrap().as_str().to_owned()
    }

    #[test]
    fn mobiles() {
        assert_eq!(ok("13800138000"), "13800138000");
        assert_eq!(ok(" 138 0013 8000 "), "13800138000");
        assert_eq!(ok("+86 13800138000"), "13800138000");
        assert_eq!(ok("8619912345678"), "19912345678");
        assert_eq!(
            Phone::parse("1380013800"),
            Err(PhoneError::MobileLength(10))
        );
        assert_eq!(
            Phone::parse("138001380001"),
            Err(PhoneError::MobileLength(12))
        );
        assert_eq!(Phone::parse("12800138000"), Err(PhoneError::MobilePrefix));
        assert_eq!(Phone::parse("+1 2025550123"), Err(PhoneError::Country));
        assert_eq!(Phone::parse("+86 051265123456"), Err(PhoneError::Country));
        assert_eq!(Phone::parse("138O0138000"), Err(PhoneError::Character));
        assert_eq!(Phone::parse("  "), Err(PhoneError::Empty));
        let p = Phone::parse("13800138000").unwrap();
        assert_eq!(p.kind(), PhoneKind::Mobile);
        assert_eq!(p.masked(), "138****8000");
        assert_eq!(format!("{p:?}"), "Phone(138****8000)");
    }

    #[test]
    fn landlines() {
        assert_eq!(ok("010-62345678"), "010-62345678");
        assert_eq!(ok("01062345678"), "010-62345678");
        assert_eq!(ok("021 6234 5678"), "021-62345678");
        assert_eq!(ok("0512-65123456"), "0512-65123456");
        assert_eq!(ok("05126512345"), "0512-6512345");
        assert_eq!(Phone::parse("65123456"), Err(PhoneError::AreaCode));
        // 011 is no area code; 0012… neither.
        assert_eq!(Phone::parse("011-62345678"), Err(PhoneError::AreaCode));
        assert_eq!(Phone::parse("0012345678"), Err(PhoneError::AreaCode));
        // A hyphen after 3 digits where the area code has 4.
        assert_eq!(Phone::parse("051-265123456"), Err(PhoneError::AreaCode));
        assert_eq!(Phone::parse("0512-651234"), Err(PhoneError::Subscriber));
        assert_eq!(Phone::parse("0512-123456789"), Err(PhoneError::Subscriber));
        assert_eq!(Phone::parse("0512-15123456"), Err(PhoneError::Subscriber));
        let p = Phone::parse("0512-65123456").unwrap();
        assert_eq!(p.kind(), PhoneKind::Landline);
        assert_eq!(p.masked(), "0512-****3456");
    }
}
