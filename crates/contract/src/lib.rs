//! The AgentCore Runtime data-plane contract, in one place: the protocols a container speaks,
//! with their ports and paths; the names of the headers the service sets and forwards; and the
//! rules a session ID follows. The agent SDK, `corestack dev`, the invoke client and the
//! CloudFormation constructs all read it from here, so that none can drift from the others.
//!
//! Sources: the AgentCore developer guide's runtime service contract (`runtime-service-contract`,
//! ports and paths), the A2A and MCP protocol contracts, and the InvokeAgentRuntime API reference
//! (the session ID header, 33 to 256 characters).

pub mod headers;
mod protocol;
pub mod session_id;

pub use protocol::Protocol;

/// The health check path every protocol's container answers on its port.
pub const PING_PATH: &str = "/ping";
/// The WebSocket path of HTTP and AG-UI containers.
pub const WS_PATH: &str = "/ws";
/// Where an A2A container serves its agent card.
pub const AGENT_CARD_PATH: &str = "/.well-known/agent-card.json";
