//! HTML text escaping, the one copy for every page the server writes by hand.

/// `s` safe inside HTML text and inside quoted or unquoted attribute values: `&`,
/// `<`, `>`, `"` and `'` become character references.
///
/// # Examples
/// ```
/// assert_eq!(gridd::html::escape(r#"<a href="x">A & B's</a>"#),
///     "&lt;a href=&quot;x&quot;&gt;A &amp; B&#39;s&lt;/a&gt;");
/// ```
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markup_and_quotes_are_escaped_and_text_is_kept() {
        assert_eq!(escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
        assert_eq!(escape("网格 3205 · 1 m²"), "网格 3205 · 1 m²");
        // already escaped text is escaped again, never decoded
        assert_eq!(escape("&amp;"), "&amp;amp;");
        assert_eq!(escape(""), "");
    }
}
