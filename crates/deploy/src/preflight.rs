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
/// environment names, if any; `env` its name, for messages.
pub async fn preflight(
    config: &aws_config::SdkConfig,
    env: &str,
    expected_account: Option<&str>,
) -> Result<Identity, DeployError> {
    let Some(provider) = config.credentials_provider() else {
        return Err(DeployError::NoCredentials { reason: "no credentials provider is configured".into() });
    };
    if let Err(e) = provider.provide_credentials().await {
        return Err(DeployError::NoCredentials { reason: credentials_text(&e) });
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
