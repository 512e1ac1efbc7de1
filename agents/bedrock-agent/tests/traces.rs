//! bedrock-agent's spans, as a local OTLP receiver gets them: the invocation's server span, and the
//! model call as its child client span with the generative-AI semantic conventions' attributes
//! (operation, provider, model, input and output tokens, finish reason), against corestack dev's
//! Bedrock stand-in.

use std::time::{Duration, Instant};

use corestack_agent::testing::otlp::{attribute, hex, receiver};
use corestack_agent::testing::{AgentClient, Process, free_port};
use corestack_dev::bedrock::BedrockStandIn;
use serde_json::json;

#[tokio::test(flavor = "multi_thread")]
async fn a_model_call_is_a_child_span_with_the_gen_ai_attributes() {
    let (collector, spans) = receiver().await;
    let stand_in = BedrockStandIn::start().await.unwrap();
    let port = free_port();
    let model = "us.anthropic.claude-haiku-5-5";
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_bedrock-agent"));
    command
        .env_clear()
        .envs(stand_in.environment())
        .env("AWS_REGION", "us-east-1")
        .env("BEDROCK_MODEL_ID", model)
        .env("PORT", port.to_string())
        .env("AGENT_BIND_ADDRESS", "127.0.0.1")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "50")
        .stdout(std::process::Stdio::null());
    let _agent = Process(command.spawn().unwrap());
    let client = AgentClient::new(format!("http://127.0.0.1:{port}"));
    assert!(client.wait_ready(Duration::from_secs(10)).await);
    let answer = client.invoke(&json!({"prompt": "one two three"}), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text());

    let deadline = Instant::now() + Duration::from_secs(10);
    let (invocation, chat) = loop {
        {
            let spans = spans.lock().unwrap();
            let invocation = spans.iter().find(|s| s.name == "invocation").cloned();
            let chat = spans.iter().find(|s| s.name.starts_with("chat ")).cloned();
            if let (Some(i), Some(c)) = (invocation, chat) {
                break (i, c);
            }
        }
        assert!(Instant::now() < deadline, "no spans after 10 s: {:?}", spans.lock().unwrap());
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(chat.name, format!("chat {model}"));
    assert_eq!(hex(&chat.trace_id), hex(&invocation.trace_id));
    assert_eq!(hex(&chat.parent_span_id), hex(&invocation.span_id), "the model call is a child of the invocation");
    assert_eq!(chat.kind, 3, "SPAN_KIND_CLIENT");
    assert_eq!(attribute(&chat, "gen_ai.operation.name").as_deref(), Some("chat"));
    assert_eq!(attribute(&chat, "gen_ai.provider.name").as_deref(), Some("aws.bedrock"));
    assert_eq!(attribute(&chat, "gen_ai.request.model").as_deref(), Some(model));
    assert_eq!(attribute(&chat, "gen_ai.response.finish_reasons").as_deref(), Some("end_turn"));
    let tokens = |k: &str| attribute(&chat, k).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    assert!(tokens("gen_ai.usage.input_tokens") > 0 && tokens("gen_ai.usage.output_tokens") > 0, "{chat:?}");
}
