//! AgentCore Identity credential providers that hold a gateway's outbound credentials. The secret
//! stays in the user's Secrets Manager secret (`EXTERNAL` source): the template names the secret,
//! never its value.

use corestack_cfn::resources::agentcore_platform::{ApiKeyCredentialProvider, OAuth2CredentialProvider};
use corestack_cfn::{Expr, Stack};

use super::{ProviderKind, ProviderSpec};
use crate::Error;

/// A built provider.
#[derive(Clone, Debug)]
pub struct BuiltProvider {
    /// Its ARN (`CredentialProviderArn`).
    pub arn: Expr,
    /// Whether it holds an API key (else an OAuth2 client).
    pub api_key: bool,
}

fn secret(spec: &ProviderSpec) -> Expr {
    Expr::map([("SecretId", Expr::from(spec.secret_arn.as_str())), ("JsonKey", spec.secret_json_key.as_str().into())])
}

/// Adds provider `spec` (logical ID `id`).
pub fn build(stack: &mut Stack, id: &str, spec: &ProviderSpec) -> Result<BuiltProvider, Error> {
    match &spec.kind {
        ProviderKind::ApiKey => {
            let p = stack.add(
                id,
                ApiKeyCredentialProvider {
                    name: spec.name.as_str().into(),
                    api_key_secret_source: Some("EXTERNAL".into()),
                    api_key_secret_config: Some(secret(spec)),
                    ..Default::default()
                },
            )?;
            Ok(BuiltProvider { arn: p.credential_provider_arn(), api_key: true })
        }
        ProviderKind::OAuth2 { vendor, client_id, discovery_url } => {
            let mut config = vec![
                ("ClientId", Expr::from(client_id.as_str())),
                ("ClientSecretSource", "EXTERNAL".into()),
                ("ClientSecretConfig", secret(spec)),
            ];
            if let Some(url) = discovery_url {
                config.push(("OauthDiscovery", Expr::map([("DiscoveryUrl", Expr::from(url.as_str()))])));
            }
            // The vendor configuration's key is the vendor's name with `ProviderConfig` (e.g.
            // `GithubOauth2ProviderConfig`); vendors without one of their own use the included form.
            let own = ["Google", "Github", "Slack", "Salesforce", "Microsoft", "Custom", "Atlassian", "Linkedin"];
            let stem = vendor.trim_end_matches("Oauth2");
            let key = if own.contains(&stem) {
                format!("{vendor}ProviderConfig")
            } else {
                "IncludedOauth2ProviderConfig".to_string()
            };
            let p = stack.add(
                id,
                OAuth2CredentialProvider {
                    name: spec.name.as_str().into(),
                    credential_provider_vendor: vendor.as_str().into(),
                    oauth2_provider_config_input: Some(Expr::map([(key, Expr::map(config))])),
                    ..Default::default()
                },
            )?;
            Ok(BuiltProvider { arn: p.credential_provider_arn(), api_key: false })
        }
    }
}
