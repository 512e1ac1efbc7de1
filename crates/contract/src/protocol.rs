//! The wire protocols a runtime's container speaks.

/// The wire protocol the container speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "UPPERCASE"))]
pub enum Protocol {
    /// `/invocations` and `/ping` on port 8080.
    #[default]
    Http,
    /// Model Context Protocol on port 8000.
    Mcp,
    /// Agent-to-agent on port 9000.
    A2a,
    /// AG-UI on port 8080.
    Agui,
}

impl Protocol {
    /// Every protocol.
    pub const ALL: [Protocol; 4] = [Protocol::Http, Protocol::Mcp, Protocol::A2a, Protocol::Agui];

    /// The CloudFormation value (`ProtocolConfiguration.ServerProtocol`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "HTTP",
            Protocol::Mcp => "MCP",
            Protocol::A2a => "A2A",
            Protocol::Agui => "AGUI",
        }
    }

    /// The container port the service sends this protocol's requests to.
    pub const fn port(self) -> u16 {
        match self {
            Protocol::Http | Protocol::Agui => 8080,
            Protocol::Mcp => 8000,
            Protocol::A2a => 9000,
        }
    }

    /// The container path InvokeAgentRuntime's payload goes to, unchanged: `/invocations` (HTTP,
    /// AG-UI), `/mcp` (MCP JSON-RPC) or `/` (A2A JSON-RPC).
    pub const fn invocation_path(self) -> &'static str {
        match self {
            Protocol::Http | Protocol::Agui => "/invocations",
            Protocol::Mcp => "/mcp",
            Protocol::A2a => "/",
        }
    }

    /// Whether the container also serves the data plane's WebSocket on [`crate::WS_PATH`].
    pub const fn has_websocket(self) -> bool {
        matches!(self, Protocol::Http | Protocol::Agui)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_protocol_has_its_port_and_path() {
        let table: Vec<_> = Protocol::ALL.iter().map(|p| (p.as_str(), p.port(), p.invocation_path())).collect();
        assert_eq!(
            table,
            [("HTTP", 8080, "/invocations"), ("MCP", 8000, "/mcp"), ("A2A", 9000, "/"), ("AGUI", 8080, "/invocations")]
        );
    }
}
