//! Session IDs: what InvokeAgentRuntime takes (`runtimeSessionId`, 33 to 256 characters; the
//! API reference), checked the same wherever one arrives (the header, the WebSocket URL's query,
//! `Mcp-Session-Id`), and new ones made the way the AWS SDKs make them.

use std::hash::{BuildHasher, Hasher};

/// How long a session ID may be, in characters.
pub const LENGTH: std::ops::RangeInclusive<usize> = 33..=256;

/// Why `id` cannot name a session, or `None`: 33 to 256 visible ASCII characters (`!` to `~`).
/// `what` names the field in the message.
pub fn problem(what: &str, id: &str) -> Option<String> {
    if let Some(bad) = id.chars().find(|c| !('!'..='~').contains(c)) {
        return Some(format!(
            "{what} must be visible ASCII (letters, digits, `-`, `_` and the like); this one has {bad:?}"
        ));
    }
    (!LENGTH.contains(&id.len())).then(|| {
        // Visible ASCII by now, so any byte index is a character boundary.
        let shown = if id.len() > 40 { format!("{}...", &id[..40]) } else { id.to_string() };
        format!("{what} must be 33 to 256 characters; `{shown}` has {}", id.len())
    })
}

/// A new session ID: 36 characters in the UUID layout, like the AWS SDKs generate.
pub fn new() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    let a = h.finish();
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(a);
    let b = h2.finish();
    let hex = format!("{a:016x}{b:016x}");
    format!("{}-{}-4{}-a{}-{}", &hex[0..8], &hex[8..12], &hex[13..16], &hex[17..20], &hex[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_visible_ascii_of_33_to_256_characters() {
        assert!(problem("the ID", &"a".repeat(33)).is_none());
        assert!(problem("the ID", &"a".repeat(32)).unwrap().contains("33 to 256 characters; `aaaa"));
        assert!(problem("the ID", &"a".repeat(257)).unwrap().ends_with("has 257"));
        assert!(problem("the ID", &format!("{}é", "a".repeat(40))).unwrap().contains("visible ASCII"));
        let made = new();
        assert_eq!(made.len(), 36);
        assert!(problem("made", &made).is_none(), "{made}");
    }
}
