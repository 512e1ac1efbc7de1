//! A runtime's `[runtimes.authorizer]` and a gateway's `[gateways.jwt]`: one reader, so both take
//! the same keys, custom claims included.

use corestack_constructs::Problem;
use corestack_constructs::jwt::{ClaimRule, CustomClaim, JwtAuthorizer};

use super::Problems;
use crate::raw::{RawAuthorizer, RawCustomClaim};

/// The authorizer `raw` at key path `at`. Its service rules are the construct's
/// ([`JwtAuthorizer::problems`]); a claim that names no match, or more than one, is pushed here.
pub(super) fn jwt(raw: RawAuthorizer, at: &str, problems: &mut Problems<'_>) -> JwtAuthorizer {
    let custom_claims = raw
        .custom_claims
        .into_iter()
        .enumerate()
        .filter_map(|(i, c)| claim(c, &format!("{at}.custom_claims[{i}]"), problems))
        .collect();
    JwtAuthorizer {
        discovery_url: raw.discovery_url,
        allowed_audience: raw.allowed_audience,
        allowed_clients: raw.allowed_clients,
        allowed_scopes: raw.allowed_scopes,
        custom_claims,
    }
}

fn claim(c: RawCustomClaim, at: &str, problems: &mut Problems<'_>) -> Option<CustomClaim> {
    let rule = match (c.equals, c.contains, c.contains_any) {
        (Some(v), None, None) => ClaimRule::Equals(v),
        (None, Some(v), None) => ClaimRule::Contains(v),
        (None, None, Some(vs)) => ClaimRule::ContainsAny(vs),
        _ => {
            problems.push(Problem::new(
                at,
                "a custom claim matches with exactly one of equals, contains and contains_any",
                "keep one: equals for a string claim, contains or contains_any for a string-array claim",
            ));
            return None;
        }
    };
    Some(CustomClaim { name: c.name, rule })
}
