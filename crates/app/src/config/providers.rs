//! `[[credential_providers]]`: API keys and OAuth2 clients whose secrets stay in Secrets Manager.

use corestack_constructs::Problem;
use corestack_constructs::platform::names;
use corestack_constructs::platform::{ProviderKind, ProviderSpec};

use super::Problems;
use crate::raw_platform::{RawProvider, RawProviderType};

/// `CredentialProviderVendor` values (registry schema, `AWS::BedrockAgentCore::OAuth2CredentialProvider`).
pub(super) const OAUTH2_VENDORS: [&str; 25] = [
    "GoogleOauth2",
    "GithubOauth2",
    "SlackOauth2",
    "SalesforceOauth2",
    "MicrosoftOauth2",
    "CustomOauth2",
    "AtlassianOauth2",
    "LinkedinOauth2",
    "XOauth2",
    "OktaOauth2",
    "OneLoginOauth2",
    "PingOneOauth2",
    "FacebookOauth2",
    "YandexOauth2",
    "RedditOauth2",
    "ZoomOauth2",
    "TwitchOauth2",
    "SpotifyOauth2",
    "DropboxOauth2",
    "NotionOauth2",
    "HubspotOauth2",
    "CyberArkOauth2",
    "FusionAuthOauth2",
    "Auth0Oauth2",
    "CognitoOauth2",
];

pub(super) fn provider(
    p: RawProvider,
    i: usize,
    project: &str,
    env: &str,
    problems: &mut Problems<'_>,
) -> Option<ProviderSpec> {
    let at = format!("credential_providers[{i}]");
    for (field, given) in [("api_key", &p.api_key), ("client_secret", &p.client_secret)] {
        if given.is_some() {
            problems.push(Problem::new(
                &format!("{at}.{field}"),
                "a secret never goes in corestack.toml (nor in a template)",
                "store it in AWS Secrets Manager and set secret_arn (and secret_json_key, the key in the secret's JSON)",
            ));
        }
    }
    let name = format!("{project}-{env}-{}", p.name);
    if !names::provider_name(&p.name) || !names::provider_name(&name) {
        problems.push(Problem::new(
            &format!("{at}.name"),
            format!("`{}` breaks the rule [a-zA-Z0-9-_]+ (128 characters with the project and environment)", p.name),
            "use letters, digits, - and _",
        ));
    }
    let secret_arn = p.secret_arn.clone().unwrap_or_default();
    if !names::secret_arn(&secret_arn) {
        problems.push(Problem::new(
            &format!("{at}.secret_arn"),
            if secret_arn.is_empty() {
                "no secret_arn".to_string()
            } else {
                format!("`{secret_arn}` is not a Secrets Manager secret ARN")
            },
            "use the secret's full ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>",
        ));
    }
    let kind = match p.kind {
        RawProviderType::ApiKey => ProviderKind::ApiKey,
        RawProviderType::Oauth2 => oauth2(&p, &at, problems),
    };
    let default_key = if kind == ProviderKind::ApiKey { "api_key" } else { "client_secret" };
    Some(ProviderSpec {
        key: p.name,
        name,
        kind,
        secret_arn,
        secret_json_key: p.secret_json_key.unwrap_or_else(|| default_key.to_string()),
    })
}

/// An OAuth2 provider's vendor, client ID and (for CustomOauth2 only) discovery URL.
fn oauth2(p: &RawProvider, at: &str, problems: &mut Problems<'_>) -> ProviderKind {
    let vendor = p.vendor.clone().unwrap_or_default();
    if !OAUTH2_VENDORS.contains(&vendor.as_str()) {
        problems.push(Problem::new(
            &format!("{at}.vendor"),
            format!("`{vendor}` is not an OAuth2 vendor CloudFormation takes"),
            format!("use one of {}", OAUTH2_VENDORS.join(", ")),
        ));
    }
    let client_id = p.client_id.clone().unwrap_or_default();
    if client_id.is_empty() {
        problems.push(Problem::new(
            &format!("{at}.client_id"),
            "an OAuth2 provider needs its client ID",
            "set client_id (it is not a secret; the client secret goes in secret_arn)",
        ));
    }
    match (&p.discovery_url, vendor == "CustomOauth2") {
        (None, true) => problems.push(Problem::new(
            &format!("{at}.discovery_url"),
            "a CustomOauth2 provider needs the issuer's discovery URL",
            "set discovery_url = \"https://<issuer>/.well-known/openid-configuration\"",
        )),
        (Some(u), true) if !u.ends_with("/.well-known/openid-configuration") || !u.starts_with("https://") => problems
            .push(Problem::new(
                &format!("{at}.discovery_url"),
                format!("`{u}` is not an https OpenID discovery URL"),
                "end it with /.well-known/openid-configuration",
            )),
        (Some(_), false) => problems.push(Problem::new(
            &format!("{at}.discovery_url"),
            format!("only a CustomOauth2 provider takes discovery_url; {vendor} has its own"),
            "remove discovery_url, or use vendor = \"CustomOauth2\"",
        )),
        _ => {}
    }
    ProviderKind::OAuth2 { vendor, client_id, discovery_url: p.discovery_url.clone() }
}
