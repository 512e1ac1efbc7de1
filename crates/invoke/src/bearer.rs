//! InvokeAgentRuntime for runtimes with a JWT authorizer: the AWS SDKs only sign with SigV4, so
//! this sends the service's HTTPS request itself, with `Authorization: Bearer <token>` (facts
//! §5: "you can't use the AWS SDK" with OAuth).

use bytes::Bytes;
use corestack_aws::AwsFailure;
use corestack_contract::percent_encode;
use http_body_util::{BodyExt, Full};

use crate::{InvokeError, OPERATION};

/// Where InvokeAgentRuntime is served: the standard endpoint overrides
/// (`AWS_ENDPOINT_URL_BEDROCK_AGENTCORE`, then `AWS_ENDPOINT_URL`), else the regional endpoint.
pub fn endpoint(region: &str) -> String {
    ["AWS_ENDPOINT_URL_BEDROCK_AGENTCORE", "AWS_ENDPOINT_URL"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| format!("https://bedrock-agentcore.{region}.amazonaws.com"))
}

/// `POST <endpoint>/runtimes/<ARN, percent-encoded>/invocations?qualifier=<q>`, once
/// [`token_may_go_to`] allows the endpoint.
pub fn url(endpoint: &str, arn: &str, qualifier: &str) -> Result<String, String> {
    let endpoint = endpoint.trim_end_matches('/');
    token_may_go_to(endpoint)?;
    Ok(format!("{endpoint}/runtimes/{}/invocations?qualifier={}", percent_encode(arn), percent_encode(qualifier)))
}

/// Whether a bearer token may be sent to `endpoint`: over TLS (`https`, `wss`) to any host, over
/// plain HTTP (`http`, `ws`) only to this machine (for `corestack dev`). The URL is parsed and its
/// real host judged, never a prefix of the text: `http://127.0.0.1:1@evil:80` names the host
/// `evil`. Userinfo is refused outright, as nothing corestack talks to takes it.
pub(crate) fn token_may_go_to(endpoint: &str) -> Result<(), String> {
    let parsed = ::url::Url::parse(endpoint).map_err(|e| format!("{endpoint}: not a URL ({e})"))?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(format!(
            "{endpoint}: the endpoint URL has a user name or password before its host; a bearer token is sent to none such (remove the part before `@`)"
        ));
    }
    match parsed.scheme() {
        "https" | "wss" => Ok(()),
        "http" | "ws" if is_loopback_host(&parsed) => Ok(()),
        "http" | "ws" => Err(format!(
            "{endpoint}: a bearer token goes over HTTPS only (plain HTTP only to this machine, for corestack dev)"
        )),
        other => Err(format!("{endpoint}: scheme `{other}` is not HTTP(S); use an https:// endpoint")),
    }
}

/// Whether the URL's host is this machine: an IPv4 or IPv6 loopback address, or `localhost`.
fn is_loopback_host(url: &::url::Url) -> bool {
    match url.host() {
        Some(::url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(::url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(::url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Sends the invocation and hands each body chunk to `chunk` as it arrives. An answer other
/// than 2xx is an error naming the service's error type and message.
pub(crate) async fn invoke(
    url: &str,
    token: &str,
    invocation: crate::Invocation,
    chunk: &mut (dyn FnMut(Bytes) -> std::io::Result<()> + Send),
) -> Result<(), InvokeError> {
    let client = corestack_aws::https::client::<Full<Bytes>>().map_err(InvokeError::Request)?;
    let mut request = hyper::Request::post(url)
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("accept", &invocation.accept)
        .header(corestack_contract::headers::SESSION_ID, &invocation.session);
    if let Some(user) = &invocation.user_id {
        request = request.header(corestack_contract::headers::USER_ID, user);
    }
    for (name, value) in &invocation.headers {
        request = request.header(name, value);
    }
    let request = request.body(Full::new(Bytes::from(invocation.payload))).map_err(|e| {
        InvokeError::Request(format!("{e} (a token or session ID with characters a header cannot carry?)"))
    })?;
    let response = client
        .request(request)
        .await
        .map_err(|e| InvokeError::Aws(Box::new(AwsFailure::unreached(OPERATION, Some("bearer token"), &e))))?;
    let status = response.status();
    let request_id = response.headers().get("x-amzn-requestid").and_then(|v| v.to_str().ok()).map(str::to_string);
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_string());
    let mut body = response.into_body();
    if !status.is_success() {
        // An error's text is read to a cap and shown as an excerpt, whatever the server sends.
        let bytes = http_body_util::Limited::new(body, MAX_ERROR_BYTES).collect().await;
        let bytes = bytes.map(|b| b.to_bytes()).unwrap_or_else(|_| "(an error body over 64 KiB, not read)".into());
        let message = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .and_then(|v| v.get("message").or_else(|| v.get("Message")).and_then(|m| m.as_str()).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&bytes).into_owned());
        let message = corestack_text::excerpt(&message, 2000);
        let fix = (status == hyper::StatusCode::UNAUTHORIZED).then(|| {
            "pass a valid, unexpired access token from the runtime's identity provider with --bearer-token".to_string()
        });
        let subject = format!("HTTP {}, bearer token", status.as_u16());
        let failure = AwsFailure {
            code: Some(kind.unwrap_or_else(|| "UnknownError".into())),
            request_id,
            fix,
            ..AwsFailure::plain(OPERATION, Some(&subject), message)
        };
        return Err(InvokeError::Aws(Box::new(failure)));
    }
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| InvokeError::Stream(e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            chunk(data)?;
        }
    }
    Ok(())
}

/// The most of an error answer's body that is read.
const MAX_ERROR_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arn_is_percent_encoded_into_the_path() {
        let arn = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/demo_agent_dev-abc";
        assert_eq!(
            url("https://bedrock-agentcore.us-east-1.amazonaws.com/", arn, "DEFAULT").unwrap(),
            "https://bedrock-agentcore.us-east-1.amazonaws.com/runtimes/arn%3Aaws%3Abedrock-agentcore%3Aus-east-1%3A123456789012%3Aruntime%2Fdemo_agent_dev-abc/invocations?qualifier=DEFAULT"
        );
    }

    #[test]
    fn a_token_never_goes_over_plain_http_to_another_machine() {
        assert!(url("http://example.com", "a", "DEFAULT").unwrap_err().contains("HTTPS only"));
        assert!(url("http://127.0.0.1:8787", "a", "DEFAULT").is_ok());
        assert!(url("http://[::1]:8787", "a", "DEFAULT").is_ok());
        assert!(url("http://localhost:8787", "a", "DEFAULT").is_ok());
        assert!(url("https://example.com", "a", "DEFAULT").is_ok());
    }

    /// Issue 27, 1: a prefix of the text is not the host.
    #[test]
    fn the_real_host_is_judged_not_a_prefix_of_the_text() {
        for hostile in [
            "http://127.0.0.1:1@127.0.0.2:8080",
            "http://127.0.0.1@example.com",
            "http://localhost:x@example.com",
            "http://127.0.0.1.example.com:80",
            "http://localhost.example.com",
            "ws://127.0.0.1:1@10.0.0.1",
            "https://user:pass@example.com",
        ] {
            assert!(token_may_go_to(hostile).is_err(), "{hostile} was allowed");
        }
        assert!(token_may_go_to("http://127.0.0.1:1@127.0.0.2:8080").unwrap_err().contains("user name or password"));
        assert!(token_may_go_to("ftp://127.0.0.1/").unwrap_err().contains("not HTTP"));
        assert!(token_may_go_to("ws://127.0.0.1:9/").is_ok());
        assert!(token_may_go_to("wss://bedrock-agentcore.eu-west-2.amazonaws.com").is_ok());
    }
}
