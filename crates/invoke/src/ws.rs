//! The data plane's WebSocket, `wss://bedrock-agentcore.<region>.amazonaws.com/runtimes/<ARN>/ws`
//! (AgentCore developer guide, `runtime-get-started-websocket`), as `corestack invoke --ws` opens
//! it: signed with SigV4 in headers (as the `bedrock-agentcore` SDK's `generate_ws_connection`
//! does), or with a bearer token, or to `corestack dev` on 127.0.0.1.

use std::sync::Arc;
use std::time::SystemTime;

use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4::SigningParams;
use corestack_aws::AwsFailure;
use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::{InvokeError, Target};

const OPERATION: &str = "bedrock-agentcore:InvokeAgentRuntime (WebSocket)";

/// An open WebSocket to a runtime's session.
pub struct Connection(WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>);

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Connection")
    }
}

/// A message from the runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Received {
    /// Text.
    Text(String),
    /// Bytes.
    Binary(Vec<u8>),
}

/// The WebSocket URL of a runtime at an HTTP(S) endpoint: the scheme swapped, the ARN encoded.
pub fn url(endpoint: &str, arn: &str, qualifier: &str) -> String {
    let endpoint = endpoint.trim_end_matches('/');
    let ws = match endpoint.strip_prefix("https://") {
        Some(rest) => format!("wss://{rest}"),
        None => format!("ws://{}", endpoint.trim_start_matches("http://")),
    };
    let encode = corestack_contract::percent_encode;
    format!("{ws}/runtimes/{}/ws?qualifier={}", encode(arn), encode(qualifier))
}

/// Opens the runtime's WebSocket for `session`.
pub async fn open(target: &Target, arn: &str, qualifier: &str, session: &str) -> Result<Connection, InvokeError> {
    let endpoint = match target {
        Target::Bearer { endpoint, .. } => endpoint.clone(),
        Target::Signed(config) => config.endpoint_url().map(str::to_string).unwrap_or_else(|| {
            let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
            format!("https://bedrock-agentcore.{region}.amazonaws.com")
        }),
    };
    let address = url(&endpoint, arn, qualifier);
    let mut request = address.as_str().into_client_request().map_err(|e| InvokeError::Request(e.to_string()))?;
    let session_header = corestack_contract::headers::SESSION_ID;
    request.headers_mut().insert(
        session_header,
        session.parse().map_err(|_| InvokeError::Request(format!("session ID `{session}` cannot be a header")))?,
    );
    match target {
        Target::Bearer { token, .. } => {
            crate::bearer::token_may_go_to(&address).map_err(InvokeError::Insecure)?;
            let value = format!("Bearer {token}")
                .parse()
                .map_err(|_| InvokeError::Request("the token cannot be a header".into()))?;
            request.headers_mut().insert("authorization", value);
        }
        Target::Signed(config) => sign_request(config, &mut request, &endpoint, session).await?,
    }
    let tls = rustls_config().map_err(InvokeError::Request)?;
    let (socket, _) =
        tokio_tungstenite::connect_async_tls_with_config(request, None, false, Some(Connector::Rustls(tls)))
            .await
            .map_err(|e| match e {
                tokio_tungstenite::tungstenite::Error::Http(r) => {
                    let body = r.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default().to_string();
                    let kind = r
                        .headers()
                        .get("x-amzn-errortype")
                        .and_then(|v| v.to_str().ok())
                        .map(|v| v.split(':').next().unwrap_or(v).to_string());
                    let request_id =
                        r.headers().get("x-amzn-requestid").and_then(|v| v.to_str().ok()).map(str::to_string);
                    let message = serde_json::from_str::<serde_json::Value>(&body)
                        .ok()
                        .and_then(|v| v.get("message").and_then(|m| m.as_str()).map(str::to_string))
                        .unwrap_or(body);
                    let message = corestack_text::excerpt(&message, 2000);
                    let subject = format!("HTTP {}", r.status().as_u16());
                    InvokeError::Aws(Box::new(AwsFailure {
                        code: Some(kind.unwrap_or_else(|| "UnknownError".into())),
                        request_id,
                        ..AwsFailure::plain(OPERATION, Some(&subject), message)
                    }))
                }
                other => InvokeError::Aws(Box::new(AwsFailure::unreached(OPERATION, Some("WebSocket"), &other))),
            })?;
    Ok(Connection(socket))
}

/// SigV4 in headers over the `https://` form of the URL, service `bedrock-agentcore`.
async fn sign_request(
    config: &aws_config::SdkConfig,
    request: &mut tokio_tungstenite::tungstenite::handshake::client::Request,
    endpoint: &str,
    session: &str,
) -> Result<(), InvokeError> {
    let unsigned = |why: String| InvokeError::Request(format!("cannot sign the WebSocket request: {why}"));
    let provider = config.credentials_provider().ok_or_else(|| unsigned("no credentials provider".into()))?;
    let credentials = provider.provide_credentials().await.map_err(|e| unsigned(e.to_string()))?;
    let identity = credentials.into();
    let region = config.region().map(|r| r.to_string()).unwrap_or_else(|| "us-east-1".into());
    let params = SigningParams::builder()
        .identity(&identity)
        .region(&region)
        .name("bedrock-agentcore")
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .map_err(|e| unsigned(e.to_string()))?;
    let host = request.uri().authority().map(|a| a.to_string()).unwrap_or_default();
    let https = format!(
        "{}{}",
        endpoint.replace("ws://", "http://").trim_end_matches('/'),
        request.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/")
    );
    let headers = [("host", host.as_str()), (corestack_contract::headers::SESSION_ID, session)];
    let signable = SignableRequest::new("GET", https, headers.into_iter(), SignableBody::Bytes(&[]))
        .map_err(|e| unsigned(e.to_string()))?;
    let (instructions, _) = sign(signable, &params.into()).map_err(|e| unsigned(e.to_string()))?.into_parts();
    instructions.apply_to_request_http1x(request);
    Ok(())
}

fn rustls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(cert);
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

impl Connection {
    /// Sends a text message.
    pub async fn send_text(&mut self, text: &str) -> Result<(), InvokeError> {
        self.0.send(Message::text(text)).await.map_err(|e| InvokeError::Stream(e.to_string()))
    }

    /// The next text or binary message; `None` once the runtime closed the connection.
    pub async fn recv(&mut self) -> Option<Result<Received, InvokeError>> {
        loop {
            return match self.0.next().await? {
                Ok(Message::Text(t)) => Some(Ok(Received::Text(t.as_str().to_string()))),
                Ok(Message::Binary(b)) => Some(Ok(Received::Binary(b.to_vec()))),
                Ok(Message::Close(_)) => None,
                Ok(_) => continue,
                Err(e) => Some(Err(InvokeError::Stream(e.to_string()))),
            };
        }
    }

    /// Starts the closing handshake; [`Connection::recv`] still returns what the runtime sends
    /// before its own close.
    pub async fn close(&mut self) -> Result<(), InvokeError> {
        self.0.close(None).await.map_err(|e| InvokeError::Stream(e.to_string()))
    }
}
