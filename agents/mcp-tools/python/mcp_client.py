"""An MCP client nobody here wrote (the Python MCP SDK's Streamable HTTP client) against an MCP
endpoint: lists the tools, calls add and echo, and prints what it got as one JSON document.

    python mcp_client.py URL [HEADER=VALUE ...]
"""

import asyncio
import json
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


async def main(url, headers):
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with streamable_http_client(url, http_client=http) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                init = await session.initialize()
                tools = await session.list_tools()
                added = await session.call_tool("add", {"a": 2, "b": 40})
                echoed = await session.call_tool("echo", {"text": "hello MCP"})
                print(json.dumps({
                    "server": init.server_info.name,
                    "tools": sorted(t.name for t in tools.tools),
                    "add": [c.text for c in added.content],
                    "add_error": added.is_error,
                    "echo": [c.text for c in echoed.content],
                }))


if __name__ == "__main__":
    hdrs = dict(a.split("=", 1) for a in sys.argv[2:])
    asyncio.run(main(sys.argv[1], hdrs))
