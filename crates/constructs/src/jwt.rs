//! A JWT authorizer, as runtimes and gateways take it: the issuer's discovery URL, the audiences,
//! clients and scopes it accepts, and custom claims the token must carry (`CustomClaims` of
//! `CustomJWTAuthorizer`; the CloudFormation Runtime and Gateway references, and the
//! CreateAgentRuntime API's `CustomClaimValidationType`).

use corestack_cfn::Expr;

use crate::{Problem, limits};

/// A JWT authorizer for inbound calls.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct JwtAuthorizer {
    /// The OpenID discovery URL.
    pub discovery_url: String,
    /// Accepted `aud` values.
    pub allowed_audience: Vec<String>,
    /// Accepted `client_id` values.
    pub allowed_clients: Vec<String>,
    /// Accepted scopes.
    pub allowed_scopes: Vec<String>,
    /// Claims the token must carry, each with the value it must match.
    pub custom_claims: Vec<CustomClaim>,
}

/// A claim the token must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomClaim {
    /// Its name in the token (`InboundTokenClaimName`: `[A-Za-z0-9_.-:]`, 1-255).
    pub name: String,
    /// What its value must be.
    pub rule: ClaimRule,
}

/// What a custom claim's value must be. The service takes `EQUALS` for a string claim only, and
/// `CONTAINS` and `CONTAINS_ANY` for a string-array claim only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClaimRule {
    /// A string claim equal to this value.
    Equals(String),
    /// A string-array claim that holds this value.
    Contains(String),
    /// A string-array claim that holds any of these values (1-255).
    ContainsAny(Vec<String>),
}

/// Most values a `CONTAINS_ANY` claim may list.
pub const MAX_CLAIM_VALUES: usize = 255;

fn claim_name_ok(name: &str) -> bool {
    (1..=255).contains(&name.len()) && name.chars().all(|c| c.is_ascii_alphanumeric() || "_.-:".contains(c))
}

fn claim_value_ok(value: &str) -> bool {
    !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
}

impl CustomClaim {
    /// The claim as `CustomClaimValidationType`.
    pub fn expr(&self) -> Expr {
        let (value_type, operator, value) = match &self.rule {
            ClaimRule::Equals(v) => ("STRING", "EQUALS", ("MatchValueString", Expr::from(v.as_str()))),
            ClaimRule::Contains(v) => ("STRING_ARRAY", "CONTAINS", ("MatchValueString", Expr::from(v.as_str()))),
            ClaimRule::ContainsAny(vs) => {
                ("STRING_ARRAY", "CONTAINS_ANY", ("MatchValueStringList", Expr::list(vs.iter().map(String::as_str))))
            }
        };
        Expr::map([
            ("InboundTokenClaimName", Expr::from(self.name.as_str())),
            ("InboundTokenClaimValueType", Expr::from(value_type)),
            (
                "AuthorizingClaimMatchValue",
                Expr::map([("ClaimMatchOperator", Expr::from(operator)), ("ClaimMatchValue", Expr::map([value]))]),
            ),
        ])
    }

    fn values(&self) -> Vec<&str> {
        match &self.rule {
            ClaimRule::Equals(v) | ClaimRule::Contains(v) => vec![v.as_str()],
            ClaimRule::ContainsAny(vs) => vs.iter().map(String::as_str).collect(),
        }
    }
}

impl JwtAuthorizer {
    /// What breaks the service's rules, under key path `at`: the discovery URL, an authorizer
    /// that checks neither audience nor client, and each custom claim's name and values.
    pub fn problems(&self, at: &str) -> Vec<Problem> {
        let mut out = Vec::new();
        if let Err(v) = limits::jwt_discovery_url(&self.discovery_url) {
            out.push(Problem::from_violation(&format!("{at}.discovery_url"), v));
        }
        if self.allowed_audience.is_empty() && self.allowed_clients.is_empty() {
            out.push(Problem::new(
                at,
                "a JWT authorizer that checks neither audience nor client accepts any token the issuer signs",
                "set allowed_audience or allowed_clients",
            ));
        }
        for (i, claim) in self.custom_claims.iter().enumerate() {
            let at = format!("{at}.custom_claims[{i}]");
            if !claim_name_ok(&claim.name) {
                let message = format!("claim name `{}` breaks [A-Za-z0-9_.-:]{{1,255}}", claim.name);
                out.push(Problem::new(&format!("{at}.name"), message, "name the claim as the token spells it"));
            }
            let values = claim.values();
            if values.is_empty() || values.len() > MAX_CLAIM_VALUES {
                let message = format!("{} values to match; the service takes 1-{MAX_CLAIM_VALUES}", values.len());
                out.push(Problem::new(&at, message, "list at least one value"));
            }
            if let Some(bad) = values.iter().find(|v| !claim_value_ok(v)) {
                let message = format!("value `{bad}` breaks [A-Za-z0-9_.-]+, the only values the service matches");
                out.push(Problem::new(&at, message, "match on letters, digits, '_', '.' and '-'"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: Vec<CustomClaim>) -> JwtAuthorizer {
        JwtAuthorizer {
            discovery_url: "https://idp.example.com/pool/.well-known/openid-configuration".into(),
            allowed_clients: vec!["app".into()],
            custom_claims: claims,
            ..Default::default()
        }
    }

    fn claim(name: &str, rule: ClaimRule) -> CustomClaim {
        CustomClaim { name: name.into(), rule }
    }

    #[test]
    fn each_rule_is_the_operator_and_value_type_the_service_pairs_it_with() {
        let shape = |rule| serde_json::to_value(claim("tenant", rule).expr()).unwrap();
        let equals = shape(ClaimRule::Equals("acme".into()));
        assert_eq!(equals["InboundTokenClaimValueType"], "STRING");
        assert_eq!(equals["AuthorizingClaimMatchValue"]["ClaimMatchOperator"], "EQUALS");
        assert_eq!(equals["AuthorizingClaimMatchValue"]["ClaimMatchValue"]["MatchValueString"], "acme");
        let contains = shape(ClaimRule::Contains("admin".into()));
        assert_eq!(contains["InboundTokenClaimValueType"], "STRING_ARRAY");
        assert_eq!(contains["AuthorizingClaimMatchValue"]["ClaimMatchOperator"], "CONTAINS");
        let any = shape(ClaimRule::ContainsAny(vec!["read".into(), "write".into()]));
        assert_eq!(any["AuthorizingClaimMatchValue"]["ClaimMatchOperator"], "CONTAINS_ANY");
        assert_eq!(any["AuthorizingClaimMatchValue"]["ClaimMatchValue"]["MatchValueStringList"][1], "write");
    }

    #[test]
    fn claims_the_service_would_refuse_are_problems_at_their_keys() {
        assert!(
            jwt(vec![claim("cognito:groups", ClaimRule::Contains("admin".into()))]).problems("authorizer").is_empty()
        );
        let problems = jwt(vec![
            claim("bad name", ClaimRule::Equals("x".into())),
            claim("ok", ClaimRule::ContainsAny(Vec::new())),
            claim("ok", ClaimRule::Equals("a b".into())),
        ])
        .problems("authorizer");
        let at: Vec<&str> = problems.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(
            at,
            ["authorizer.custom_claims[0].name", "authorizer.custom_claims[1]", "authorizer.custom_claims[2]"]
        );
        assert!(problems.iter().all(|p| !p.fix.is_empty()));
    }
}
