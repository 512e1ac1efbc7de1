//! Text that another party wrote, taken safely: files read as hostile input ([`file`]), and text
//! (a server's tool list, a trace's attributes, an error message) made safe to show on a
//! terminal: control characters escaped so that none can move the cursor, recolour the screen or
//! forge a line, and long text cut on a character boundary.

use std::borrow::Cow;

pub mod file;

/// `text` with every control character escaped (`\u{1b}`, `\r`) except newlines and tabs.
pub fn printable(text: &str) -> Cow<'_, str> {
    escape(text, |c| c != '\n' && c != '\t')
}

/// `text` on one line: every control character escaped, newlines and tabs too.
pub fn one_line(text: &str) -> Cow<'_, str> {
    escape(text, |_| true)
}

fn escape(text: &str, escaped: impl Fn(char) -> bool) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && escaped(c);
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The first `n` characters of `s`, never cut inside a character.
pub fn first_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(end, _)| &s[..end])
}

/// [`first_chars`], with `...` when cut.
pub fn shorten(s: &str, n: usize) -> String {
    let head = first_chars(s, n);
    if head.len() < s.len() { format!("{head}...") } else { s.to_string() }
}

/// What to show of a long text from elsewhere: its first `n` characters on one line, and how
/// long it was when cut.
pub fn excerpt(s: &str, n: usize) -> String {
    let head = first_chars(s, n);
    if head.len() < s.len() {
        format!("{}... ({} bytes in all)", one_line(head), s.len())
    } else {
        one_line(s).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_are_shown_not_obeyed() {
        assert_eq!(printable("red \u{1b}[31mtext\u{7}\r\nnext\tcol"), "red \\u{1b}[31mtext\\u{7}\\r\nnext\tcol");
        assert_eq!(one_line("a\nb\u{9b}c"), "a\\nb\\u{9b}c");
        assert!(matches!(printable("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        assert_eq!(first_chars("aébc", 2), "aé");
        assert_eq!(shorten("ééé", 2), "éé...");
        assert_eq!(shorten("ab", 2), "ab");
        assert_eq!(excerpt("é\u{1b}xyz", 2), "é\\u{1b}... (6 bytes in all)");
        assert_eq!(excerpt("ok", 9), "ok");
    }
}
