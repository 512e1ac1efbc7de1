//! InvokeAgentRuntime, as `corestack invoke` sends it: signed with SigV4 by the AWS SDK, or with
//! a bearer token over HTTPS for runtimes with a JWT authorizer, to AWS or to `corestack dev` on
//! 127.0.0.1. The answer's body is handed over chunk by chunk as it arrives, so a stream of
//! server-sent events is printed as it is produced.

pub mod answer;
mod bearer;
pub mod custom_headers;
pub mod request;
pub mod rpc;
pub mod ws;
mod ws_relay;

use aws_sdk_bedrockagentcore::config::Credentials;
use aws_sdk_bedrockagentcore::primitives::Blob;
use bytes::Bytes;
use corestack_aws::AwsFailure;

pub use bearer::{endpoint as bearer_endpoint, url as bearer_url};
pub use ws_relay::QUIET as WS_QUIET;

/// The operation, as errors name it.
pub const OPERATION: &str = "bedrock-agentcore:InvokeAgentRuntime";

/// One request.
#[derive(Clone, Debug)]
pub struct Invocation {
    /// The runtime's ARN.
    pub arn: String,
    /// The endpoint (qualifier), e.g. `DEFAULT`.
    pub qualifier: String,
    /// The session (33-256 characters).
    pub session: String,
    /// The `Accept` header: `application/json`, `text/event-stream`, or both (MCP).
    pub accept: String,
    /// The JSON payload.
    pub payload: String,
    /// The end user's ID (`X-Amzn-Bedrock-AgentCore-Runtime-User-Id`), checked with
    /// [`custom_headers::check_user_id`].
    pub user_id: Option<String>,
    /// Custom headers for the agent, each checked with [`custom_headers::parse_header`].
    pub headers: Vec<(String, String)>,
}

/// How the request is authorized and where it goes.
#[derive(Clone, Debug)]
pub enum Target {
    /// SigV4 with this configuration's credentials, to its endpoint.
    Signed(Box<aws_config::SdkConfig>),
    /// `Authorization: Bearer <token>` to `endpoint` (HTTPS, or plain HTTP to this machine only).
    Bearer {
        /// The service endpoint, e.g. [`bearer_endpoint`]'s.
        endpoint: String,
        /// The access token.
        token: String,
    },
}

impl Target {
    /// Where the flags send a request: with a bearer `token`, to `corestack dev` on `local_port`
    /// or to the region's bearer endpoint; without one, signed with the account's `aws`
    /// configuration or, to dev (`aws` is `None`), with dev's stand-in credentials.
    pub async fn choose(
        token: Option<&str>,
        local_port: Option<u16>,
        region: &str,
        aws: Option<aws_config::SdkConfig>,
    ) -> Target {
        match (token, aws) {
            (Some(token), _) => {
                let endpoint = match local_port {
                    Some(port) => format!("http://127.0.0.1:{port}"),
                    None => bearer_endpoint(region),
                };
                Target::Bearer { endpoint, token: token.to_string() }
            }
            (None, Some(config)) => Target::Signed(Box::new(config)),
            (None, None) => {
                let port = local_port.unwrap_or(corestack_contract::DEV_PORT);
                Target::Signed(Box::new(local_config(region, port).await))
            }
        }
    }
}

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InvokeError {
    /// The service (or `corestack dev`) refused, or could not be reached.
    #[error("{0}")]
    Aws(Box<AwsFailure>),
    /// A bearer token would go to an endpoint that is not HTTPS.
    #[error("--bearer-token: {0}")]
    Insecure(String),
    /// A flag asks for a request that cannot be made; the message says how to fix it.
    #[error("{0}")]
    Flag(String),
    /// The request could not be made.
    #[error("the request cannot be made: {0}")]
    Request(String),
    /// The answer's body broke off.
    #[error("the response stream broke: {0}")]
    Stream(String),
    /// A call meant for `corestack dev` found nothing listening.
    #[error(
        "nothing answers on 127.0.0.1:{port}: corestack dev is not running there\n    fix: start it in the project's directory with `corestack dev` (it serves on {} unless given --port), or pass the --port it serves on",
        corestack_contract::DEV_PORT
    )]
    DevNotRunning {
        /// The port called.
        port: u16,
    },
    /// The sink refused a chunk (for example, stdout closed).
    #[error("cannot write the answer: {0}")]
    Output(#[from] std::io::Error),
}

impl corestack_aws::Blamed for InvokeError {
    fn blame(&self) -> corestack_aws::Blame {
        match self {
            InvokeError::Insecure(_) | InvokeError::Request(_) | InvokeError::Flag(_) => corestack_aws::Blame::Input,
            InvokeError::Aws(_) => corestack_aws::Blame::Aws,
            InvokeError::DevNotRunning { .. } => corestack_aws::Blame::NotReady,
            _ => corestack_aws::Blame::Local,
        }
    }
}

impl InvokeError {
    /// This failure as the caller sees it. Of a call to `corestack dev` on `local_port`: dev
    /// answers every refusal with an AWS error code, so a failure without one is a connection
    /// that never reached it. With `None` (a call to AWS), the failure as it is.
    pub fn seen_from(self, local_port: Option<u16>) -> InvokeError {
        let Some(port) = local_port else { return self };
        match &self {
            InvokeError::Aws(f) if f.code().is_none() => InvokeError::DevNotRunning { port },
            _ => self,
        }
    }
}

/// The SDK configuration that talks to `corestack dev` on 127.0.0.1:`port`. The local endpoint
/// does not verify signatures, so fixed dummy credentials sign the requests.
pub async fn local_config(region: &str, port: u16) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .credentials_provider(Credentials::new("local", "local", None, None, "corestack-dev"))
        .load()
        .await
}

/// Sends `invocation` to `target` and hands each chunk of the answer to `sink` as it arrives.
pub async fn invoke(
    target: &Target,
    invocation: Invocation,
    sink: &mut (dyn FnMut(Bytes) -> std::io::Result<()> + Send),
) -> Result<(), InvokeError> {
    match target {
        Target::Bearer { endpoint, token } => {
            let url = bearer::url(endpoint, &invocation.arn, &invocation.qualifier).map_err(InvokeError::Insecure)?;
            bearer::invoke(&url, token, invocation, sink).await
        }
        Target::Signed(config) => signed(config, invocation, sink).await,
    }
}

async fn signed(
    config: &aws_config::SdkConfig,
    invocation: Invocation,
    sink: &mut (dyn FnMut(Bytes) -> std::io::Result<()> + Send),
) -> Result<(), InvokeError> {
    let client = aws_sdk_bedrockagentcore::Client::new(config);
    let headers = invocation.headers.clone();
    let answer = client
        .invoke_agent_runtime()
        .agent_runtime_arn(&invocation.arn)
        .qualifier(&invocation.qualifier)
        .runtime_session_id(&invocation.session)
        .set_runtime_user_id(invocation.user_id.clone())
        .content_type("application/json")
        .accept(&invocation.accept)
        .payload(Blob::new(invocation.payload))
        .customize()
        // Added before signing, so the custom headers are signed with the rest.
        .mutate_request(move |request| {
            for (name, value) in &headers {
                request.headers_mut().insert(name.clone(), value.clone());
            }
        })
        .send()
        .await
        .map_err(|e| {
            let subject = format!("runtime {}, endpoint {}", invocation.arn, invocation.qualifier);
            InvokeError::Aws(Box::new(AwsFailure::from_sdk(OPERATION, Some(&subject), &e)))
        })?;
    let mut body = answer.response;
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| InvokeError::Stream(e.to_string()))?;
        sink(chunk)?;
    }
    Ok(())
}

/// The operation that ends a session, as errors name it.
pub const STOP_OPERATION: &str = "bedrock-agentcore:StopRuntimeSession";

/// Ends `session` of the runtime `arn` on endpoint `qualifier` (StopRuntimeSession), so its
/// compute stops and stops billing; `corestack dev` ends the session's process. Signed calls only:
/// a bearer token is refused with the fix.
pub async fn stop_session(target: &Target, arn: &str, qualifier: &str, session: &str) -> Result<(), InvokeError> {
    let Target::Signed(config) = target else {
        return Err(InvokeError::Request(
            "stopping a session with --bearer-token is not supported yet; leave the token out to sign with AWS credentials".into(),
        ));
    };
    let client = aws_sdk_bedrockagentcore::Client::new(config);
    client
        .stop_runtime_session()
        .agent_runtime_arn(arn)
        .qualifier(qualifier)
        .runtime_session_id(session)
        .send()
        .await
        .map_err(|e| {
            let subject = format!("session {session} of runtime {arn}, endpoint {qualifier}");
            InvokeError::Aws(Box::new(AwsFailure::from_sdk(STOP_OPERATION, Some(&subject), &e)))
        })?;
    Ok(())
}
