//! Free text from outside (names, roles, phones, reasons): what no field may hold.

use crate::error::FieldError;

/// Refuses control characters — NUL above all, which PostgreSQL cannot store in text
/// and SQLite would store silently, so both stores refuse it alike, before any write.
/// Line breaks and tabs are allowed where `multiline` (a reason, a note).
///
/// # Examples
/// ```
/// use gridd::domain::text::check_text;
/// assert!(check_text("properties.name", "卡利奥社区", false).is_ok());
/// let e = check_text("properties.name", "a\u{0}b", false).unwrap_err();
/// assert_eq!(e.field, "properties.name");
/// assert!(check_text("reason", "line one\nline two", true).is_ok());
/// ```
pub fn check_text(field: &str, s: &str, multiline: bool) -> Result<(), FieldError> {
    let bad = s
        .char_indices()
        .find(|(_, c)| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    match bad {
        None => Ok(()),
        Some((at, c)) => Err(FieldError::new(
            field,
            format!(
                "must not contain control characters; found U+{:04X} at byte {at}",
                u32::from(c)
            ),
        )),
    }
}
