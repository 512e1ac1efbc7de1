//! Against real Amazon Bedrock. Skipped unless you opt in with credentials and a model:
//!
//! `BEDROCK_MODEL_ID=us.anthropic.claude-haiku-5-5 AWS_REGION=us-east-1 cargo test -p bedrock-agent --test real_aws -- --ignored`

use corestack_agent::{Context, Request, Response};
use futures_util::StreamExt;
use serde_json::json;

#[tokio::test]
#[ignore = "needs AWS credentials with bedrock:InvokeModelWithResponseStream and BEDROCK_MODEL_ID; run with --ignored"]
async fn streams_an_answer_from_bedrock() {
    let agent = bedrock_agent::BedrockAgent::from_env().await.expect("BEDROCK_MODEL_ID and AWS settings");
    let mut context = Context::for_tests();
    context.accepts_event_stream = true;
    let answer =
        agent.handle(Request { payload: json!({"prompt": "Reply with the word: ready"}), context }).await.unwrap();
    let Response::Stream(mut items) = answer else { panic!("expected a stream") };
    let mut text = String::new();
    while let Some(item) = items.next().await {
        text.push_str(item.expect("no error event")["delta"].as_str().unwrap());
    }
    assert!(!text.trim().is_empty());
}
