//! A minimal XML writer for the GeoReport documents: elements with text or element
//! children only (no attributes, no mixed content), indented by two spaces.

/// The declaration every GeoReport XML document starts with.
pub(super) const DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// True for a character XML 1.0 allows (`Char` production): tab, LF, CR,
/// U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF. (A Rust `char` is never a
/// surrogate.)
pub(super) fn allowed(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..
    )
}

/// Appends `text` escaped for element content or an attribute value: `& < > " '`
/// as entities, CR as `&#13;` (so a parser keeps it), and the characters XML 1.0
/// forbids dropped.
pub(super) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c if allowed(c) => out.push(c),
            _ => {}
        }
    }
}

/// `text` escaped (see [`escape_into`]).
#[cfg(test)]
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

/// Builds one document. Element names are the specification's fixed names, so they
/// are written as given.
pub(super) struct Writer {
    out: String,
    depth: usize,
}

impl Writer {
    pub(super) fn new() -> Self {
        Self {
            out: String::from(DECLARATION),
            depth: 0,
        }
    }

    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    /// `<name>` on its own line; children follow until [`Self::close`].
    pub(super) fn open(&mut self, name: &'static str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    pub(super) fn close(&mut self, name: &'static str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// `<name>text</name>`, always written (also when `text` is empty).
    pub(super) fn leaf(&mut self, name: &'static str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    /// A leaf written only when there is non-empty text.
    pub(super) fn opt(&mut self, name: &'static str, text: Option<&str>) {
        if let Some(t) = text.filter(|t| !t.is_empty()) {
            self.leaf(name, t);
        }
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}
