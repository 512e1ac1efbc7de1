//! What every command that reads or changes an AWS account checks first, before it writes a file
//! or touches a stack: that credentials resolve, that AWS accepts them (one GetCallerIdentity),
//! and that they belong to the account the environment is pinned to.

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::provider::error::CredentialsError;

use crate::{AwsFailure, DeployError};

/// Who the credentials are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    /// The account ID.
    pub account: String,
    /// The principal's ARN.
    pub arn: String,
}

/// Why credentials could not be had, in words.
fn credentials_text(e: &CredentialsError) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text = format!("{text}: {c}");
        cause = c.source();
    }
    text
}

/// Checks the configuration's credentials and account. `expected_account` is the account the
/// environment names, if any; `env` its name, for messages; `profile` the profile asked for by
/// flag, if any (else `AWS_PROFILE`'s).
pub async fn preflight(
    config: &aws_config::SdkConfig,
    env: &str,
    expected_account: Option<&str>,
    profile: Option<&str>,
) -> Result<Identity, DeployError> {
    let Some(provider) = config.credentials_provider() else {
        return Err(DeployError::NoCredentials { reason: "no credentials provider is configured".into() });
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(missing_profile(profile).unwrap_or(DeployError::NoCredentials { reason: credentials_text(&e) }));
    }
    let who = aws_sdk_sts::Client::new(config)
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| DeployError::Aws(Box::new(AwsFailure::from_sdk("sts:GetCallerIdentity", None, &e))))?;
    let identity = Identity {
        account: who.account().unwrap_or_default().to_string(),
        arn: who.arn().unwrap_or_default().to_string(),
    };
    if let Some(expected) = expected_account
        && identity.account != expected
    {
        return Err(DeployError::WrongAccount { env: env.into(), expected: expected.into(), actual: identity.account });
    }
    Ok(identity)
}

/// When the profile (`flag`, else `AWS_PROFILE`) is one that neither the config file (`AWS_CONFIG_FILE`, else
/// `~/.aws/config`) nor the credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else
/// `~/.aws/credentials`) has, the error that says so; the credential chain's own words for it
/// are about IMDS.
fn missing_profile(flag: Option<&str>) -> Option<DeployError> {
    let from_env = || std::env::var("AWS_PROFILE").ok().filter(|p| !p.trim().is_empty());
    let (profile, named_by) = match flag {
        Some(p) => (p.to_string(), "--profile"),
        None => (from_env()?, "AWS_PROFILE"),
    };
    let home = std::env::var("HOME").unwrap_or_default();
    let file = |var: &str, default: &str| std::env::var(var).unwrap_or_else(|_| format!("{home}/.aws/{default}"));
    let (config, credentials) = (file("AWS_CONFIG_FILE", "config"), file("AWS_SHARED_CREDENTIALS_FILE", "credentials"));
    let read = |path: &str| corestack_aws::profiles::read(std::path::Path::new(path));
    let known = corestack_aws::profiles::names(read(&config).as_deref(), read(&credentials).as_deref());
    if known.contains(&profile) {
        return None;
    }
    let known = if known.is_empty() { "they have none".to_string() } else { known.join(", ") };
    Some(DeployError::NoProfile { named_by, profile, files: format!("{config} nor {credentials}"), known })
}
