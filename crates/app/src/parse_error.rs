//! Turns a TOML or shape error into a sentence a user can act on: the key as written
//! (`runtimes[0].idle_timeout_seconds`), what was expected in words (not Rust type names), the line
//! with a caret under the value, and a fix. No internal type names reach the user.

use std::path::Path;

use crate::config::ConfigError;

/// Serde's names for the types our config uses, in words.
fn expected_in_words(rust: &str) -> String {
    match rust.trim() {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" | "bool" => "true or false".into(),
        "a string" | "a borrowed string" | "string" => "a quoted string".into(),
        "a sequence" => "an array, e.g. [\"a\", \"b\"]".into(),
        "a map" => "a table".into(),
        other if other.starts_with("struct ") => "a table".into(),
        other => other.to_string(),
    }
}

/// What serde says, in words. `None` keeps the parser's own message (TOML syntax errors are fine).
fn humanize(message: &str) -> Option<String> {
    // "invalid type: string \"900\", expected u32"
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let (found, expected) = rest.rsplit_once(", expected ")?;
        let found = found.replace("integer ", "the number ").replace("string ", "the string ");
        return Some(format!("expected {}, found {found}", expected_in_words(expected)));
    }
    // "invalid value: integer `-5`, expected u32"
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let (found, expected) = rest.rsplit_once(", expected ")?;
        let found = found.split('`').nth(1).unwrap_or(found);
        return Some(format!("expected {}, found {found}", expected_in_words(expected)));
    }
    // "unknown variant `XYZ`, expected one of `HTTP`, `MCP`"
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (given, expected) = rest.split_once('`')?;
        let allowed: Vec<String> = expected.split('`').skip(1).step_by(2).map(|v| format!("\"{v}\"")).collect();
        return Some(format!("\"{given}\" is not allowed here; use one of {}", allowed.join(", ")));
    }
    if message.contains("untagged enum RawCommand") {
        return Some(
            "expected a command line: a string such as \"target/release/agent --flag\", or a list of strings".into(),
        );
    }
    if message.contains("untagged enum RawVersion") {
        return Some("expected \"current\" or a version number such as 3".into());
    }
    if message.contains("untagged enum") {
        return Some("this value has the wrong type".into());
    }
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next()?;
        return Some(format!("the required key `{field}` is missing"));
    }
    None
}

/// For serde's "unknown field `x`, expected one of `a`, `b`", the closest known key.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|k| (strsim::jaro_winkler(unknown, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}

/// The line at `offset` with a caret under `len` characters, as compilers show it.
fn snippet(text: &str, offset: usize, len: usize, line: usize) -> String {
    let start = text[..offset].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[offset..].find('\n').map(|i| offset + i).unwrap_or(text.len());
    let source = &text[start..end];
    let column = text[start..offset].chars().count();
    let width = text[offset..(offset + len).min(end)].chars().count().max(1);
    let gutter = " ".repeat(line.to_string().len());
    format!("{gutter} |\n{line} | {source}\n{gutter} | {}{}", " ".repeat(column), "^".repeat(width))
}

/// The error for a file that is not valid TOML or does not have the config's shape. `key` is the
/// path of the value that was refused, as serde_path_to_error found it (empty at the top).
pub(crate) fn parse_error(text: &str, path: &Path, e: &toml::de::Error, key: &str) -> ConfigError {
    let span = e.span().unwrap_or(0..0);
    let offset = span.start.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    let raw = e.message().trim();
    let mut message = humanize(raw).unwrap_or_else(|| raw.to_string());
    let key = key.trim_matches('.');
    if !key.is_empty() && key != "?" {
        message = format!("{key}: {message}");
    }
    let hint = did_you_mean(raw).or_else(|| {
        Some(if raw.starts_with("unknown field") {
            "remove the key, or check its spelling against the documented keys".to_string()
        } else if raw.contains("duplicate key") {
            format!("the key at line {line} is set twice in the same table; keep one")
        } else if humanize(raw).is_some() {
            format!("change the value at line {line} to {}", fix_value(raw))
        } else {
            format!("correct the TOML at line {line}, column {column}; a value must be a quoted string, number, boolean, array or table")
        })
    });
    let snippet = snippet(text, offset, span.len(), line);
    ConfigError::Parse { path: path.into(), line, column, message, snippet, hint }
}

/// What the fix line asks for, from the parser's message.
fn fix_value(raw: &str) -> String {
    match raw.rsplit_once(", expected ") {
        Some((_, expected)) if !raw.starts_with("unknown variant") => expected_in_words(expected),
        _ => "one of the allowed values".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serde_messages_become_words() {
        assert_eq!(
            humanize("invalid type: string \"900\", expected u32").unwrap(),
            "expected a whole number, 0 or more, found the string \"900\""
        );
        assert_eq!(
            humanize("invalid value: integer `-5`, expected u32").unwrap(),
            "expected a whole number, 0 or more, found -5"
        );
        assert_eq!(
            humanize("unknown variant `SOAP`, expected one of `MCP`, `HTTP`").unwrap(),
            "\"SOAP\" is not allowed here; use one of \"MCP\", \"HTTP\""
        );
        assert!(!humanize("data did not match any variant of untagged enum RawVersion").unwrap().contains("Raw"));
        assert_eq!(humanize("expected `=`"), None);
    }

    #[test]
    fn the_snippet_points_at_the_value() {
        let text = "a = 1\nidle = \"900\"\n";
        let offset = text.find('"').unwrap();
        assert_eq!(snippet(text, offset, 5, 2), "  |\n2 | idle = \"900\"\n  |        ^^^^^");
    }
}
