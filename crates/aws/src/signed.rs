//! A SigV4-signed HTTPS call made here, for the few answers the locked AWS SDK crates cannot
//! give: EC2's prefix lists (the EC2 crate is the heaviest of the SDK) and the runtime fields
//! AgentCore added in 2026 (`metadataConfiguration`), which the control-plane crate this
//! workspace can lock (its newer releases need Rust 1.94) does not model. The answer is read to
//! a small cap.

use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};

/// The most of an answer that is read.
pub const ANSWER_BYTES: usize = 1 << 20;

/// One call.
pub struct Call {
    /// The signing name, e.g. `ec2`.
    pub service: &'static str,
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The whole URL.
    pub url: String,
    /// The body (empty for a GET).
    pub body: String,
    /// Its content type.
    pub content_type: Option<&'static str>,
}

/// Why a call got no answer.
pub enum Failed {
    /// The endpoint could not be reached.
    Unreached(Box<dyn std::error::Error + Send + Sync>),
    /// Signing or reading failed.
    Other(String),
}

/// The configuration's Region (`us-east-1` when none is set).
pub fn region(config: &aws_config::SdkConfig) -> String {
    config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into())
}

/// A signed GET of `path` on a Regional service: `host` is its endpoint's first label
/// (`https://<host>.<region>.amazonaws.com`), `service_env` its `AWS_ENDPOINT_URL_` suffix.
pub async fn get(
    config: &aws_config::SdkConfig,
    service: &'static str,
    host: &str,
    service_env: &str,
    path: &str,
) -> Result<Answer, Failed> {
    let region = region(config);
    let endpoint = endpoint(config, service_env, &format!("https://{host}.{region}.amazonaws.com"));
    let call =
        Call { service, method: "GET", url: format!("{endpoint}{path}"), body: String::new(), content_type: None };
    send(config, &region, call).await
}

impl Failed {
    /// The failure as every AWS failure is shown: the operation, what it was about, and why.
    pub fn into_failure(self, operation: &str, subject: &str) -> crate::AwsFailure {
        match self {
            Failed::Unreached(e) => crate::AwsFailure::unreached(operation, Some(subject), &*e),
            Failed::Other(m) => crate::AwsFailure::plain(operation, Some(subject), m),
        }
    }
}

/// `AWS_ENDPOINT_URL_<SERVICE>`, then the configuration's endpoint, then `regional`.
pub fn endpoint(config: &aws_config::SdkConfig, service_env: &str, regional: &str) -> String {
    std::env::var(format!("AWS_ENDPOINT_URL_{service_env}"))
        .ok()
        .filter(|v| !v.is_empty())
        .or_else(|| config.endpoint_url().map(str::to_string))
        .unwrap_or_else(|| regional.to_string())
        .trim_end_matches('/')
        .to_string()
}

/// An answer: its status, the service's error type (`x-amzn-errortype`, without its URI) and at
/// most [`ANSWER_BYTES`] of its body.
pub struct Answer {
    /// The HTTP status.
    pub status: hyper::StatusCode,
    /// `x-amzn-errortype`, without its URI.
    pub error_type: Option<String>,
    /// `x-amzn-requestid`.
    pub request_id: Option<String>,
    /// At most [`ANSWER_BYTES`] of the body.
    pub body: Bytes,
}

/// Signs and sends `call` in `region`.
pub async fn send(config: &aws_config::SdkConfig, region: &str, call: Call) -> Result<Answer, Failed> {
    let request = signed(config, region, &call).await.map_err(Failed::Other)?;
    let client = crate::https::client().map_err(Failed::Other)?;
    let response = client.request(request).await.map_err(|e| Failed::Unreached(Box::new(e)))?;
    let status = response.status();
    let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let error_type = header("x-amzn-errortype").map(|v| v.split(':').next().unwrap_or(&v).to_string());
    let request_id = header("x-amzn-requestid");
    let limited = http_body_util::Limited::new(response.into_body(), ANSWER_BYTES);
    let body = limited.collect().await.map_err(|e| Failed::Other(format!("reading the answer: {e}")))?.to_bytes();
    Ok(Answer { status, error_type, request_id, body })
}

async fn signed(
    config: &aws_config::SdkConfig,
    region: &str,
    call: &Call,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let provider = config.credentials_provider().ok_or("no credentials provider")?;
    let identity = provider.provide_credentials().await.map_err(|e| e.to_string())?.into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(call.service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| e.to_string())?;
    let mut request = hyper::Request::builder()
        .method(call.method)
        .uri(&call.url)
        .body(Full::new(Bytes::from(call.body.clone())))
        .map_err(|e| e.to_string())?;
    let host = request.uri().authority().map(|a| a.to_string()).ok_or("the endpoint has no host")?;
    request.headers_mut().insert("host", host.parse().map_err(|_| "bad host")?);
    let mut headers = vec![("host", host.as_str())];
    if let Some(ct) = call.content_type {
        request.headers_mut().insert("content-type", ct.parse().map_err(|_| "bad content type")?);
        headers.push(("content-type", ct));
    }
    let body = SignableBody::Bytes(call.body.as_bytes());
    let signable =
        SignableRequest::new(call.method, call.url.as_str(), headers.into_iter(), body).map_err(|e| e.to_string())?;
    let (instructions, _) = sign(signable, &params.into()).map_err(|e| e.to_string())?.into_parts();
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}
