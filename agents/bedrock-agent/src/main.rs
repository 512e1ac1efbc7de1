//! The bedrock-agent binary: reads BEDROCK_MODEL_ID and AWS settings from the environment and
//! serves the AgentCore contract on port 8080 (or PORT).

use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let about = corestack_agent::about!("answers payload.prompt with Amazon Bedrock ConverseStream");
    if let Some(code) = about.answer_command_line() {
        return code;
    }
    let agent = match bedrock_agent::BedrockAgent::from_env().await {
        Ok(a) => a,
        Err(e) => {
            eprintln!("bedrock-agent: {e}");
            return ExitCode::from(2);
        }
    };
    match corestack_agent::run(bedrock_agent::service(agent)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bedrock-agent: {e}");
            ExitCode::FAILURE
        }
    }
}
