//! Anthropic's first-time-use form: a new account must submit it before its first Claude call
//! (Amazon Bedrock User Guide, "Access Amazon Bedrock foundation models"; the API reference's
//! GetUseCaseForModelAccess returns the submitted form, and answers ResourceNotFoundException
//! when there is none). Until then every invocation of an Anthropic model fails at run time, long
//! after the deploy said done, so deploy says so first. A best-effort read: an answer that does
//! not say "none submitted" says nothing.

use corestack_app::Settings;

/// Whether any runtime names an Anthropic model or inference profile.
fn names_anthropic(settings: &Settings) -> bool {
    settings.runtimes.iter().flat_map(|r| &r.models).any(|m| m.contains("anthropic."))
}

/// The line deploy prints when the config names an Anthropic model and the account has not
/// submitted the form.
pub async fn anthropic_hint(config: &aws_config::SdkConfig, settings: &Settings) -> Option<String> {
    if !names_anthropic(settings) {
        return None;
    }
    let answer =
        crate::signed::get(config, "bedrock", "bedrock", "BEDROCK", "/use-case-for-model-access").await.ok()?;
    (answer.error_type.as_deref() == Some("ResourceNotFoundException")).then(|| {
        "note: the config names Anthropic models, and this account has not submitted Anthropic's first-time-use form, so their invocations will fail until it does: submit it once in the Bedrock console (Model access), or with bedrock:PutUseCaseForModelAccess".to_string()
    })
}
