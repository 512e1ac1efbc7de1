//! The service's limits and naming rules (names, lengths, quotas, Regions and their zones), checked
//! before anything is deployed. (The Well-Architected and AgentCore check rules over templates
//! are the `corestack-rules` crate's.)
//!
//! Each check returns a [`Violation`] that says what is wrong and how to fix it; callers add where
//! (a config key or a construct path). Sources are in the project's AgentCore facts: §1 and §2 for
//! the Runtime and RuntimeEndpoint schemas, §9 for VPC mode, §12 for quotas.

use std::collections::BTreeMap;
use std::fmt;

/// A broken service rule: what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// What is wrong, naming the rule.
    pub message: String,
    /// How to fix it.
    pub fix: String,
}

impl Violation {
    pub(crate) fn new(message: impl Into<String>, fix: impl Into<String>) -> Violation {
        Violation { message: message.into(), fix: fix.into() }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (fix: {})", self.message, self.fix)
    }
}

/// Result of one rule.
pub type Check = Result<(), Violation>;

/// Lifecycle bounds in seconds for microVM sessions (facts §1.2, §7).
pub const LIFECYCLE_RANGE: std::ops::RangeInclusive<u32> = 60..=28_800;
/// Most environment variables a runtime may have (facts §1.2).
pub const MAX_ENV_VARS: usize = 50;
/// Longest environment variable value CloudFormation accepts (facts §15.13).
pub const MAX_ENV_VALUE: usize = 2048;
/// Most headers in a request header allowlist (facts §1.2, §12).
pub const MAX_HEADERS: usize = 20;
/// Longest runtime description CloudFormation accepts (facts §15.13).
pub const MAX_DESCRIPTION: usize = 1200;
/// The prefix custom forwarded headers must carry (facts §1.2, strictest regional schema).
pub const CUSTOM_HEADER_PREFIX: &str = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-";

/// `[a-zA-Z][a-zA-Z0-9_]{0,47}`: the rule for runtime and endpoint names (no hyphens).
fn is_agentcore_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && name.len() <= 48
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A runtime name: a letter, then letters, digits or `_`, 48 characters at most. cfn-lint does not
/// catch this one (the schema's pattern is unanchored), so it is checked here.
pub fn runtime_name(name: &str) -> Check {
    if is_agentcore_name(name) {
        return Ok(());
    }
    Err(Violation::new(
        format!(
            "runtime name `{name}` breaks the AgentCore rule [a-zA-Z][a-zA-Z0-9_]{{0,47}} (a letter, then letters, digits or underscores, 48 characters at most; no hyphens)"
        ),
        format!("use a name like `{}`", suggest_name(name)),
    ))
}

/// An endpoint name: the same rule as runtime names, and not `DEFAULT`, which the service manages.
pub fn endpoint_name(name: &str) -> Check {
    if name.eq_ignore_ascii_case("DEFAULT") {
        return Err(Violation::new(
            "endpoint name `DEFAULT` is reserved: the service creates that endpoint and keeps it on the latest version",
            "leave DEFAULT out of the endpoint list, or use another name such as `prod`",
        ));
    }
    if is_agentcore_name(name) {
        return Ok(());
    }
    Err(Violation::new(
        format!("endpoint name `{name}` breaks the AgentCore rule [a-zA-Z][a-zA-Z0-9_]{{0,47}} (no hyphens)"),
        format!("use a name like `{}`", suggest_name(name)),
    ))
}

fn suggest_name(name: &str) -> String {
    let mut s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).take(48).collect();
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        s.insert(0, 'a');
        s.truncate(48);
    }
    s
}

/// Environment variables: at most 50, keys `[a-zA-Z_][a-zA-Z0-9_]*`, values at most 2048 characters.
/// Returns one violation per bad entry, keyed by variable name (empty key for the count).
pub fn environment_variables(vars: &BTreeMap<String, String>) -> Vec<(String, Violation)> {
    let mut out = Vec::new();
    if vars.len() > MAX_ENV_VARS {
        out.push((
            String::new(),
            Violation::new(
                format!("{} environment variables, over the AgentCore limit of {MAX_ENV_VARS}", vars.len()),
                "move settings into one JSON-valued variable or into a configuration file in the image (corestack adds AWS_REGION and CORESTACK_PROTOCOL unless you set them)",
            ),
        ));
    }
    for (k, v) in vars {
        let mut chars = k.chars();
        let key_ok = matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !key_ok {
            out.push((
                k.clone(),
                Violation::new(
                    format!("environment variable name `{k}` breaks the rule [a-zA-Z_][a-zA-Z0-9_]*"),
                    "use letters, digits and underscores, not starting with a digit",
                ),
            ));
        }
        if v.chars().count() > MAX_ENV_VALUE {
            out.push((
                k.clone(),
                Violation::new(
                    format!(
                        "environment variable `{k}` is {} characters, over CloudFormation's limit of {MAX_ENV_VALUE}",
                        v.chars().count()
                    ),
                    "shorten it, or ship the value in the image",
                ),
            ));
        }
    }
    out
}

/// Session lifecycle: both in 60-28800 seconds and idle timeout not above max lifetime.
pub fn lifecycle(idle_seconds: u32, max_lifetime_seconds: u32) -> Vec<(&'static str, Violation)> {
    let mut out = Vec::new();
    for (key, v) in [("idle_timeout_seconds", idle_seconds), ("max_lifetime_seconds", max_lifetime_seconds)] {
        if !LIFECYCLE_RANGE.contains(&v) {
            out.push((
                key,
                Violation::new(
                    format!("{v} seconds is outside the AgentCore lifecycle range 60-28800"),
                    "choose a value from 60 to 28800 seconds (defaults: idle 900, max lifetime 28800)",
                ),
            ));
        }
    }
    if idle_seconds > max_lifetime_seconds {
        out.push((
            "idle_timeout_seconds",
            Violation::new(
                format!("idle timeout {idle_seconds} s is longer than the max lifetime {max_lifetime_seconds} s"),
                "make the idle timeout at most the max lifetime",
            ),
        ));
    }
    out
}

/// A filesystem mount path: `/mnt/` and one directory name of letters, digits, `.`, `_` and `-`
/// (an optional trailing `/`), 6 to 200 characters (`SessionStorageConfiguration.mountPath` in the
/// control-plane API reference; the developer guide: "exactly one subdirectory level").
pub fn mount_path(path: &str) -> Check {
    let name = path.strip_prefix("/mnt/").map(|rest| rest.strip_suffix('/').unwrap_or(rest));
    let ok = name.is_some_and(|n| {
        !n.is_empty()
            && n.bytes().any(|b| b != b'.')
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    }) && (6..=200).contains(&path.len());
    if ok {
        return Ok(());
    }
    Err(Violation::new(
        format!("`{path}` is not a mount path AgentCore takes"),
        "mount it one level under /mnt, e.g. \"/mnt/workspace\" (letters, digits, '.', '_' and '-')",
    ))
}

/// The request header allowlist: 1-20 unique names (case-insensitive), each `Authorization` or
/// `X-Amzn-Bedrock-AgentCore-Runtime-Custom-<letters, digits, _ or ->`. That is the schema in
/// us-east-1 and most regions; newer regions accept more, so this is the safe side.
pub fn header_allowlist(headers: &[String]) -> Vec<(usize, Violation)> {
    let mut out = Vec::new();
    if headers.len() > MAX_HEADERS {
        out.push((
            0,
            Violation::new(
                format!("{} headers in the allowlist, over the AgentCore limit of {MAX_HEADERS}", headers.len()),
                "forward at most 20 headers",
            ),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, h) in headers.iter().enumerate() {
        if !seen.insert(h.to_ascii_lowercase()) {
            out.push((i, Violation::new(format!("header `{h}` is listed twice"), "list each header once")));
            continue;
        }
        // `get`, not slicing: a name with a multibyte character at the cut must not panic.
        let rest = h
            .get(..CUSTOM_HEADER_PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(CUSTOM_HEADER_PREFIX))
            .map(|_| &h[CUSTOM_HEADER_PREFIX.len()..]);
        let custom =
            rest.is_some_and(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
        if !(custom || h == "Authorization") || h.len() > 256 {
            // The suggestion keeps the name's own part once: the prefix is not written twice.
            let own = rest.unwrap_or(h).replace(|c: char| !c.is_ascii_alphanumeric() && c != '-' && c != '_', "-");
            out.push((
                i,
                Violation::new(
                    format!(
                        "header `{h}` cannot be forwarded: the allowlist takes `Authorization` or names starting with `{CUSTOM_HEADER_PREFIX}` (256 characters at most)"
                    ),
                    format!("rename the header to `{CUSTOM_HEADER_PREFIX}{own}`"),
                ),
            ));
        }
    }
    out
}

/// A JWT discovery URL: `https://` and ending in `/.well-known/openid-configuration`.
pub fn jwt_discovery_url(url: &str) -> Check {
    if url.starts_with("https://") && url.ends_with("/.well-known/openid-configuration") && url.len() > 41 {
        return Ok(());
    }
    Err(Violation::new(
        format!("JWT discovery URL `{url}` must use https and end with /.well-known/openid-configuration"),
        "use the issuer's OpenID discovery document, e.g. https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/openid-configuration",
    ))
}

/// An image tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (Docker's rule).
pub fn image_tag(tag: &str) -> Check {
    let mut chars = tag.chars();
    let ok = matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric() || c == '_')
        && tag.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if ok {
        return Ok(());
    }
    Err(Violation::new(
        format!("image tag `{tag}` is not a valid tag (letters, digits, `_`, `.`, `-`; 128 characters at most)"),
        "use a tag such as `v1` or `2026-11-26.1`, or pin the image by digest with image_digest",
    ))
}

/// An image digest: `sha256:` and 64 lowercase hex digits.
pub fn image_digest(digest: &str) -> Check {
    let ok = digest
        .strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
    if ok {
        return Ok(());
    }
    Err(Violation::new(
        format!("image digest `{digest}` is not `sha256:` followed by 64 lowercase hex digits"),
        "copy the digest that `docker push` or `aws ecr describe-images` prints",
    ))
}

/// An ECR repository name: lowercase, `[a-z0-9]` runs separated by `.`, `_`, `__`, `-` or `/`, 2-256.
pub fn repository_name(name: &str) -> Check {
    let segment_ok = |seg: &str| {
        !seg.is_empty()
            && seg.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && seg.ends_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && seg.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
            && !seg.contains("..")
            && !seg.contains("___")
    };
    if (2..=256).contains(&name.len()) && name.split('/').all(segment_ok) {
        return Ok(());
    }
    Err(Violation::new(
        format!("ECR repository name `{name}` must be 2-256 lowercase letters, digits, and . _ - / separators"),
        format!("use `{}`", name.to_ascii_lowercase().replace(|c: char| !c.is_ascii_alphanumeric() && c != '/', "-")),
    ))
}

/// A description: at most 1200 characters (the CloudFormation limit; the API allows more).
pub fn description(text: &str) -> Check {
    if text.chars().count() <= MAX_DESCRIPTION {
        return Ok(());
    }
    Err(Violation::new(
        format!("description is {} characters, over CloudFormation's limit of {MAX_DESCRIPTION}", text.chars().count()),
        "shorten the description",
    ))
}

/// A tag value as the Runtime schema allows: `[a-zA-Z0-9\s._:/=+@-]*`, at most 256 characters.
pub fn tag_value(value: &str) -> Check {
    let ok = value.chars().count() <= 256
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c.is_whitespace() || "._:/=+@-".contains(c));
    if ok && !value.trim().is_empty() {
        return Ok(());
    }
    Err(Violation::new(
        format!(
            "tag value `{value}` must be non-empty, at most 256 characters of letters, digits, spaces and . _ : / = + @ -"
        ),
        "use a plain value such as `platform-team` or `cc-1234`",
    ))
}

/// Availability Zone IDs where AgentCore can place VPC-mode ENIs, per Region where Runtime runs.
/// The Regions are those the AgentCore developer guide's "Supported AWS Regions" page lists for
/// Runtime (read 2026-12-02; 22 Regions, us-west-1 and ap-south-2 added in 2026); the zones
/// follow its "Supported Availability Zones" table of the VPC page (facts §9; the nine Regions of
/// the 2025-10-24 table unchanged). For us-west-1 and ap-south-2 no zone table could be read:
/// their entries are the Regions' zone IDs that the service is expected to support, marked so,
/// and `deploy` checks none of them against the account (a subnet in an unsupported zone fails
/// at runtime creation, naming the zone).
pub const SUPPORTED_AZ_IDS: &[(&str, &[&str])] = &[
    ("ap-northeast-1", &["apne1-az1", "apne1-az2", "apne1-az4"]),
    ("ap-northeast-2", &["apne2-az1", "apne2-az2", "apne2-az3"]),
    ("ap-south-1", &["aps1-az1", "aps1-az2", "aps1-az3"]),
    // UNVERIFIED: no zone table read for ap-south-2.
    ("ap-south-2", &["aps2-az1", "aps2-az2", "aps2-az3"]),
    ("ap-southeast-1", &["apse1-az1", "apse1-az2", "apse1-az3"]),
    ("ap-southeast-2", &["apse2-az1", "apse2-az2", "apse2-az3"]),
    ("ap-southeast-5", &["apse5-az1", "apse5-az2", "apse5-az3"]),
    ("ap-southeast-7", &["apse7-az1", "apse7-az2", "apse7-az3"]),
    ("ca-central-1", &["cac1-az1", "cac1-az2", "cac1-az4"]),
    ("eu-central-1", &["euc1-az1", "euc1-az2", "euc1-az3"]),
    ("eu-north-1", &["eun1-az1", "eun1-az2", "eun1-az3"]),
    ("eu-south-1", &["eus1-az1", "eus1-az2", "eus1-az3"]),
    ("eu-south-2", &["eus2-az1", "eus2-az2", "eus2-az3"]),
    ("eu-west-1", &["euw1-az1", "euw1-az2", "euw1-az3"]),
    ("eu-west-2", &["euw2-az1", "euw2-az2", "euw2-az3"]),
    ("eu-west-3", &["euw3-az1", "euw3-az2", "euw3-az3"]),
    ("sa-east-1", &["sae1-az1", "sae1-az2", "sae1-az3"]),
    ("us-east-1", &["use1-az1", "use1-az2", "use1-az4"]),
    ("us-east-2", &["use2-az1", "use2-az2", "use2-az3"]),
    ("us-gov-west-1", &["usgw1-az1", "usgw1-az2", "usgw1-az3"]),
    // UNVERIFIED: no zone table read for us-west-1 (which has two zones, az1 and az3).
    ("us-west-1", &["usw1-az1", "usw1-az3"]),
    ("us-west-2", &["usw2-az1", "usw2-az2", "usw2-az3"]),
];

/// The supported AZ IDs of a region, if corestack knows them.
pub fn supported_az_ids(region: &str) -> Option<&'static [&'static str]> {
    SUPPORTED_AZ_IDS.iter().find(|(r, _)| *r == region).map(|(_, ids)| *ids)
}

/// Why `region` cannot hold runtimes, or `None`: it must be a Region where AgentCore Runtime
/// runs (the developer guide's Supported AWS Regions page), whose zones corestack knows.
pub fn runtime_region(region: &str) -> Option<Violation> {
    supported_az_ids(region).is_none().then(|| {
        let known: Vec<&str> = SUPPORTED_AZ_IDS.iter().map(|(r, _)| *r).collect();
        Violation::new(
            format!("{region} is not a Region where AgentCore Runtime runs (the developer guide's Supported AWS Regions page), or its zones are not known to corestack"),
            format!("use one of {}", known.join(", ")),
        )
    })
}

/// AZ IDs for runtime subnets: at least two, distinct, each supported in the region (a Region
/// without runtimes is [`runtime_region`]'s to say, and has no zones to check here).
pub fn availability_zone_ids(region: &str, ids: &[String]) -> Vec<(Option<usize>, Violation)> {
    let mut out = Vec::new();
    let Some(supported) = supported_az_ids(region) else { return out };
    let distinct: std::collections::BTreeSet<&String> = ids.iter().collect();
    if distinct.len() < 2 {
        out.push((
            None,
            Violation::new(
                format!("{} distinct AZ ID(s) given; runtime subnets must span at least two AZs", distinct.len()),
                format!("list two or more of {}", supported.join(", ")),
            ),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            out.push((Some(i), Violation::new(format!("AZ ID `{id}` is listed twice"), "list each AZ ID once")));
        } else if !supported.contains(&id.as_str()) {
            out.push((
                Some(i),
                Violation::new(
                    format!("AZ ID `{id}` is not one where AgentCore supports VPC-mode runtimes in {region}"),
                    format!("use AZ IDs from {}", supported.join(", ")),
                ),
            ));
        }
    }
    out
}

/// A region name such as `us-east-1`.
pub fn region(name: &str) -> Check {
    let parts: Vec<&str> = name.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
    if ok {
        return Ok(());
    }
    Err(Violation::new(format!("`{name}` is not an AWS region name"), "use a region such as `us-east-1`"))
}

/// A 12-digit AWS account ID.
pub fn account_id(id: &str) -> Check {
    if id.len() == 12 && id.chars().all(|c| c.is_ascii_digit()) {
        return Ok(());
    }
    Err(Violation::new(format!("`{id}` is not a 12-digit AWS account ID"), "write the account ID as a 12-digit string"))
}

/// A Bedrock model or inference profile ID, without wildcards.
pub fn model_id(id: &str) -> Check {
    let ok = !id.is_empty()
        && id.len() <= 2048
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '_' | '/'));
    if ok {
        return Ok(());
    }
    Err(Violation::new(
        format!("model ID `{id}` is not a Bedrock model or inference profile ID (wildcards are not allowed)"),
        "list each model or inference profile the agent calls, e.g. `us.anthropic.claude-haiku-5-5`",
    ))
}

#[cfg(test)]
#[path = "limits_tests.rs"]
mod tests;
