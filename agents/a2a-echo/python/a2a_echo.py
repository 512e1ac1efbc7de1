"""The Python twin of a2a-echo on the A2A Python SDK: answers every message with one text part
`echo: <the text>`, on JSON-RPC at POST / with its agent card at /.well-known/agent-card.json
(the AgentCore A2A contract). Used by the conformance test and the benchmark. Listens on
127.0.0.1:$PORT (default 9000)."""

import os

import uvicorn
from starlette.applications import Starlette

from a2a.helpers.proto_helpers import get_message_text, new_text_message
from a2a.server.agent_execution import AgentExecutor
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore
from a2a.types import AgentCapabilities, AgentCard, AgentInterface, AgentSkill


class Echo(AgentExecutor):
    async def execute(self, context, event_queue):
        text = get_message_text(context.message, delimiter="")
        await event_queue.enqueue_event(new_text_message("echo: " + text, context_id=context.context_id))

    async def cancel(self, context, event_queue):
        raise NotImplementedError("an echo cannot be cancelled")


def card(port):
    return AgentCard(
        name="a2a-echo",
        description="Answers every message with its text, after 'echo: '",
        version="0.1.0",
        supported_interfaces=[AgentInterface(url=f"http://127.0.0.1:{port}/", protocol_binding="JSONRPC", protocol_version="1.0")],
        capabilities=AgentCapabilities(streaming=True),
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="echo", description="Echoes the text", tags=["echo"])],
    )


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "9000"))
    agent_card = card(port)
    handler = DefaultRequestHandler(agent_executor=Echo(), task_store=InMemoryTaskStore(), agent_card=agent_card)
    routes = create_agent_card_routes(agent_card) + create_jsonrpc_routes(handler, rpc_url="/", enable_v0_3_compat=True)
    uvicorn.run(Starlette(routes=routes), host="127.0.0.1", port=port, log_level="warning")
