//! `bedrock-agent`: answers `payload.prompt` with Amazon Bedrock ConverseStream.
//!
//! With `Accept: text/event-stream` every text delta goes out as one event `{"delta": "..."}` as soon
//! as Bedrock sends it; otherwise the answer is `{"response": "<whole text>", "model_id": "..."}`.
//! Credentials come from aws-config's default chain: inside AgentCore Runtime that is the execution
//! role, served by the microVM metadata service.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::RequestId;
use aws_sdk_bedrockruntime::types::{ContentBlock, ContentBlockDelta, ConversationRole, ConverseStreamOutput, Message};
use corestack_agent::{AgentError, BoxError, Request, Response, Service};
use futures_util::StreamExt;
use serde_json::{Value, json};

/// The environment variable that names the model or inference profile.
pub const MODEL_ID_VAR: &str = "BEDROCK_MODEL_ID";

/// The agent: a Bedrock client and the model it calls.
#[derive(Clone, Debug)]
pub struct BedrockAgent {
    client: Client,
    model_id: String,
}

impl BedrockAgent {
    /// An agent with this client and model.
    pub fn new(client: Client, model_id: impl Into<String>) -> BedrockAgent {
        BedrockAgent { client, model_id: model_id.into() }
    }

    /// The client from aws-config's default chain (region, credentials, and `AWS_ENDPOINT_URL*`
    /// overrides), and the model from [`MODEL_ID_VAR`].
    pub async fn from_env() -> Result<BedrockAgent, String> {
        let model_id = std::env::var(MODEL_ID_VAR)
            .map_err(|_| format!("{MODEL_ID_VAR} is not set: set it to the model or inference profile to call, e.g. us.anthropic.claude-haiku-5-5"))?;
        let config = aws_config::load_from_env().await;
        Ok(BedrockAgent::new(Client::new(&config), model_id))
    }

    /// Handles one invocation.
    pub async fn handle(self, req: Request) -> Result<Response, BoxError> {
        let prompt = req
            .payload
            .get("prompt")
            .and_then(Value::as_str)
            .filter(|p| !p.trim().is_empty())
            .ok_or_else(|| AgentError::new("ValidationError", "payload.prompt must be a non-empty string"))?
            .to_string();
        let message = Message::builder().role(ConversationRole::User).content(ContentBlock::Text(prompt)).build()?;
        // The model call is a client span with the generative-AI semantic conventions' attributes,
        // a child of the invocation's span; tokens and the finish reason are recorded as the
        // stream reports them, and the span ends with the stream.
        let span = tracing::info_span!(
            "chat",
            otel.name = format!("chat {}", self.model_id),
            otel.kind = "client",
            "gen_ai.operation.name" = "chat",
            "gen_ai.provider.name" = "aws.bedrock",
            "gen_ai.system" = "aws.bedrock",
            "gen_ai.request.model" = %self.model_id,
            "gen_ai.usage.input_tokens" = tracing::field::Empty,
            "gen_ai.usage.output_tokens" = tracing::field::Empty,
            "gen_ai.response.finish_reasons" = tracing::field::Empty,
        );
        let output = tracing::Instrument::instrument(
            self.client.converse_stream().model_id(&self.model_id).messages(message).send(),
            span.clone(),
        )
        .await
        .map_err(|e| AgentError::new("BedrockError", sdk_error_text("ConverseStream", &e, e.request_id())))?;
        let deltas = futures_util::stream::unfold(Some((output.stream, span)), |state| async move {
            let (mut receiver, span) = state?;
            loop {
                match receiver.recv().await {
                    Ok(Some(ConverseStreamOutput::ContentBlockDelta(event))) => {
                        if let Some(ContentBlockDelta::Text(text)) = event.delta {
                            return Some((Ok(text), Some((receiver, span))));
                        }
                    }
                    Ok(Some(ConverseStreamOutput::MessageStop(stop))) => {
                        span.record("gen_ai.response.finish_reasons", stop.stop_reason.as_str());
                    }
                    Ok(Some(ConverseStreamOutput::Metadata(metadata))) => {
                        if let Some(usage) = metadata.usage {
                            span.record("gen_ai.usage.input_tokens", usage.input_tokens);
                            span.record("gen_ai.usage.output_tokens", usage.output_tokens);
                        }
                    }
                    Ok(Some(_)) => continue,
                    Ok(None) => return None,
                    Err(e) => {
                        let error =
                            AgentError::new("BedrockStreamError", sdk_error_text("ConverseStream (stream)", &e, None));
                        return Some((Err(error), None));
                    }
                }
            }
        });
        if req.context.accepts_event_stream {
            return Ok(Response::stream(deltas.map(|d| d.map(|text| json!({ "delta": text })))));
        }
        let mut text = String::new();
        let mut deltas = std::pin::pin!(deltas);
        while let Some(delta) = deltas.next().await {
            text.push_str(&delta?);
        }
        Ok(Response::Json(json!({ "response": text, "model_id": self.model_id })))
    }
}

/// One line for a failed Bedrock call: the operation, the service's code and message, and the
/// request ID, or what kept the request from reaching the service.
fn sdk_error_text<E: ProvideErrorMetadata + std::error::Error + 'static, R: std::fmt::Debug>(
    operation: &str,
    e: &SdkError<E, R>,
    request_id: Option<&str>,
) -> String {
    let request_id = request_id.map(|id| format!(" (request ID {id})")).unwrap_or_default();
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            let code = err.code().unwrap_or("UnknownError");
            let message = err.message().map(str::to_string).unwrap_or_else(|| err.to_string());
            format!("{operation} failed: {code}: {message}{request_id}")
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => {
            // The innermost cause says what happened (no credentials, connection refused, ...).
            let mut cause: &dyn std::error::Error = e;
            while let Some(next) = cause.source() {
                cause = next;
            }
            format!("{operation} failed: the request did not reach Bedrock: {cause}{request_id}")
        }
        other => {
            let source = std::error::Error::source(other).map(|s| format!(": {s}")).unwrap_or_default();
            format!("{operation} failed: {other}{source}{request_id}")
        }
    }
}

/// The agent as a `tower::Service`, ready for [`corestack_agent::Runtime`].
pub fn service(
    agent: BedrockAgent,
) -> impl Service<Request, Response = Response, Error = BoxError, Future: Send> + Clone + Send + Sync + 'static {
    corestack_agent::handler_fn(move |req: Request| agent.clone().handle(req))
}
