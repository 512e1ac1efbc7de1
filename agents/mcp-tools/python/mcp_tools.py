"""The Python twin of mcp-tools: the same tools on the Python MCP SDK's server, stateless
Streamable HTTP with JSON answers at /mcp (the settings the AgentCore MCP contract asks for).
Used by the conformance test and the benchmark. Listens on 127.0.0.1:$PORT (default 8000)."""

import os

from mcp.server.mcpserver import MCPServer

server = MCPServer("mcp-tools", instructions="Tools: add (integers a and b) and echo (text)")


@server.tool(description="Adds two integers and answers their sum")
def add(a: int, b: int) -> str:
    return str(a + b)


@server.tool(description="Answers the text it is given")
def echo(text: str) -> str:
    return text


if __name__ == "__main__":
    server.run(
        "streamable-http",
        host="127.0.0.1",
        port=int(os.environ.get("PORT", "8000")),
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
    )
