//! The service's patterns for memory, gateway, target and credential-provider names, and what
//! looks like a secret written where a reference to one belongs.

/// A memory or strategy name: `[a-zA-Z][a-zA-Z0-9_]{0,47}` (registry schema, Memory `Name`).
pub fn memory_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 48
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A gateway (`max` 48) or target (`max` 100) name: `([0-9a-zA-Z][-]?){1,max}`, letters and
/// digits with single hyphens between them.
pub fn hyphenated_name(name: &str, max: usize) -> bool {
    let alnum = name.chars().filter(char::is_ascii_alphanumeric).count();
    name.chars().next().is_some_and(|c| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.contains("--")
        && (1..=max).contains(&alnum)
}

/// A credential provider name: `[a-zA-Z0-9\-_]+`, 128 characters at most.
pub fn provider_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 128 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A memory namespace: letters, digits, `-`, `_` and `/`, with `{variable}` placeholders.
pub fn namespace(ns: &str) -> bool {
    let mut rest = ns;
    while let Some(open) = rest.find('{') {
        let (plain, after) = rest.split_at(open);
        let Some(close) = after.find('}') else { return false };
        let var = &after[1..close];
        let var_ok = var.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
            && var.chars().all(|c| c.is_ascii_alphanumeric());
        if !plain_ok(plain) || !var_ok {
            return false;
        }
        rest = &after[close + 1..];
    }
    plain_ok(rest)
}

fn plain_ok(s: &str) -> bool {
    s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'))
}

/// A Secrets Manager secret ARN (`arn:aws:secretsmanager:<region>:<account>:secret:<name>`), as
/// the credential providers' schema takes it.
pub fn secret_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    matches!(parts.as_slice(), ["arn", "aws" | "aws-us-gov", "secretsmanager", region, account, "secret", name]
        if !region.is_empty() && account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) && !name.is_empty())
}

/// A Lambda function ARN (optionally with a version or alias).
pub fn lambda_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.split(':').collect();
    matches!(parts.as_slice(), ["arn", p, "lambda", region, account, "function", name, ..]
        if p.starts_with("aws") && !region.is_empty() && account.len() == 12 && !name.is_empty() && parts.len() <= 8)
}

/// Why `value` looks like a secret written out (an access key, a private key, a known token
/// format), or `None`. Used on config values and template properties alike.
pub fn looks_like_secret(value: &str) -> Option<&'static str> {
    let v = value.trim();
    let key_id = |p: &str| {
        v.len() == 20 && v.starts_with(p) && v[4..].chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    };
    if key_id("AKIA") || key_id("ASIA") {
        return Some("an AWS access key ID");
    }
    if v.contains("-----BEGIN") && v.contains("PRIVATE KEY") {
        return Some("a private key");
    }
    for (prefix, what) in [
        ("ghp_", "a GitHub token"),
        ("github_pat_", "a GitHub token"),
        ("xoxb-", "a Slack token"),
        ("xoxp-", "a Slack token"),
        ("sk-", "an API secret key"),
        ("sk_live_", "a Stripe secret key"),
    ] {
        if v.starts_with(prefix) && v.len() >= prefix.len() + 16 && !v.contains(char::is_whitespace) {
            return Some(what);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_service_patterns() {
        assert!(memory_name("chat_memory_dev") && !memory_name("chat-memory") && !memory_name(&"a".repeat(49)));
        assert!(hyphenated_name("tools-dev", 48) && !hyphenated_name("tools_dev", 48) && !hyphenated_name("-x", 48));
        assert!(!hyphenated_name("a--b", 48) && !hyphenated_name(&"a".repeat(49), 48));
        assert!(namespace("/facts/{actorId}/") && namespace("summaries/{actorId}/{sessionId}"));
        assert!(!namespace("/facts/{actor id}") && !namespace("/facts/{actorId") && !namespace("a b"));
        assert!(secret_arn("arn:aws:secretsmanager:us-east-1:123456789012:secret:petstore-AbCdEf"));
        assert!(!secret_arn("arn:aws:secretsmanager:us-east-1:1234:secret:x") && !secret_arn("petstore"));
        assert!(lambda_arn("arn:aws:lambda:us-east-1:123456789012:function:weather"));
        assert!(lambda_arn("arn:aws:lambda:us-east-1:123456789012:function:weather:live"));
        assert!(!lambda_arn("arn:aws:lambda:us-east-1:123456789012:layer:x"));
    }

    #[test]
    fn written_out_secrets_are_recognised() {
        assert_eq!(looks_like_secret("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key ID"));
        assert_eq!(looks_like_secret("ghp_0123456789abcdefghijABCDEFGHIJ"), Some("a GitHub token"));
        assert_eq!(looks_like_secret("sk-proj-0123456789abcdef0123"), Some("an API secret key"));
        assert!(looks_like_secret("-----BEGIN RSA PRIVATE KEY-----\nMII").is_some());
        for fine in ["us.anthropic.claude-haiku-5-5", "sk-short", "AKIA-not-a-key", "info", "https://example.com"] {
            assert_eq!(looks_like_secret(fine), None, "{fine}");
        }
    }
}
