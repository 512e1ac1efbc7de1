//! Parsing a request's JSON under a memory budget. A `serde_json::Value` costs far more than its
//! text for small values: measured (release, 15 MB of text) about 34 bytes a number or an empty
//! container, about 700 bytes a non-empty object (its map's node), so 15 MB of `{"a":1},`
//! becomes 1.26 GB, 84 times its size. Before parsing, one pass over the text estimates that cost
//! from its containers and separators; a payload that would cost more than [`MAX_PARSED_BYTES`]
//! is refused, whatever its size in bytes.

use serde_json::Value;

/// The most a parsed payload may cost, in bytes (estimated before parsing).
pub const MAX_PARSED_BYTES: usize = 1 << 30;

/// What one value of each kind costs parsed, from the measurements above (with room for the
/// growth of the vectors that hold them).
const VALUE_COST: usize = 48;
const OBJECT_COST: usize = 720;

/// Why a payload was not parsed.
#[derive(Debug)]
pub(crate) enum Refused {
    /// It would cost about this many bytes parsed.
    TooCostly(usize),
    /// It is not JSON.
    Invalid(serde_json::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::TooCostly(cost) => write!(
                f,
                "the payload would take about {} MB parsed, over the agent's {} MB: send fewer, larger values (a string of text costs its size)",
                cost / 1_000_000,
                MAX_PARSED_BYTES / 1_000_000
            ),
            Refused::Invalid(e) => write!(f, "{e}"),
        }
    }
}

/// The estimated cost of `text` parsed: its bytes, and each value and object at its measured
/// cost. Strings are skipped over, so brackets and commas inside them do not count.
pub(crate) fn parsed_cost(text: &[u8]) -> usize {
    let (mut values, mut objects, mut in_string, mut escaped) = (1usize, 0usize, false, false);
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' => objects += 1,
            b',' | b'[' => values += 1,
            _ => {}
        }
    }
    text.len() + values * VALUE_COST + objects * OBJECT_COST
}

/// Parses `text` when its estimated cost is within `max`.
pub(crate) fn parse(text: &[u8], max: usize) -> Result<Value, Refused> {
    let cost = parsed_cost(text);
    if cost > max {
        return Err(Refused::TooCostly(cost));
    }
    serde_json::from_slice(text).map_err(Refused::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_objects_cost_what_they_take_and_text_its_size() {
        let objects = format!("[{}0]", r#"{"a":1},"#.repeat(1000));
        assert!(parsed_cost(objects.as_bytes()) > 700 * 1000, "{}", parsed_cost(objects.as_bytes()));
        let text = format!(r#"{{"prompt": "{}"}}"#, "a, [b] {c} ".repeat(1000));
        assert!(parsed_cost(text.as_bytes()) < text.len() + 1000, "brackets in strings do not count");
        let escaped = r#"["a\"[,,,", 1]"#;
        assert_eq!(parsed_cost(escaped.as_bytes()), escaped.len() + 3 * VALUE_COST);
    }

    #[test]
    fn a_costly_payload_is_refused_and_a_cheap_one_parsed() {
        let objects = format!("[{}0]", r#"{"a":1},"#.repeat(10_000));
        assert!(matches!(parse(objects.as_bytes(), 1_000_000), Err(Refused::TooCostly(c)) if c > 7_000_000));
        assert!(parse(objects.as_bytes(), MAX_PARSED_BYTES).is_ok());
        assert!(matches!(parse(b"{", MAX_PARSED_BYTES), Err(Refused::Invalid(_))));
    }
}
