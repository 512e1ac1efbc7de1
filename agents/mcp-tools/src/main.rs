//! `mcp-tools`: an MCP server for AgentCore Runtime (protocol `MCP`), built with the official Rust
//! MCP SDK and served on the MCP contract by `corestack-agent` (`POST /mcp` on port 8000,
//! stateless Streamable HTTP). Its tools:
//!
//! - `add`: integer arguments `a` and `b`; answers their sum as text.
//! - `echo`: argument `text`; answers it.

use corestack_agent::mcp::{McpRuntime, rmcp};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, schemars, tool, tool_handler, tool_router};

/// The arguments of `add`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct AddArguments {
    /// The first addend.
    a: i64,
    /// The second addend.
    b: i64,
}

/// The arguments of `echo`.
#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct EchoArguments {
    /// The text to answer with.
    text: String,
}

/// The tool server; one per request, as the server is stateless.
#[derive(Debug, Clone)]
struct Tools {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Tools {
    fn new() -> Tools {
        Tools { tool_router: Self::tool_router() }
    }

    /// Adds two integers.
    #[tool(description = "Adds two integers and answers their sum")]
    fn add(&self, Parameters(AddArguments { a, b }): Parameters<AddArguments>) -> Result<String, String> {
        a.checked_add(b).map(|sum| sum.to_string()).ok_or_else(|| format!("{a} + {b} overflows a 64-bit integer"))
    }

    /// Answers its argument.
    #[tool(description = "Answers the text it is given")]
    fn echo(&self, Parameters(EchoArguments { text }): Parameters<EchoArguments>) -> String {
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Tools {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("mcp-tools", env!("CARGO_PKG_VERSION")))
            .with_instructions("Tools: add (integers a and b) and echo (text)")
    }
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if let Some(code) = corestack_agent::about!("an MCP server with the tools add and echo").answer_command_line() {
        return code;
    }
    corestack_agent::init_logging();
    match McpRuntime::new(Tools::new).run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mcp-tools: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
