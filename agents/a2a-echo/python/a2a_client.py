"""An A2A client nobody here wrote (the A2A Python SDK's) against an A2A agent: resolves its agent
card, sends one message, and prints the card's name and the answer's text as one JSON document.

    python a2a_client.py CARD_BASE_URL [RPC_URL] [--stream]

CARD_BASE_URL is where `/.well-known/agent-card.json` is read from. A client of AgentCore reads it
through GetAgentCard (`.../runtimes/<ARN>/invocations/.well-known/agent-card.json`) and sends its
messages to the runtime's invocation URL (RPC_URL), not to the URL inside the card, which the
container cannot know.
"""

import asyncio
import json
import sys

import httpx
from a2a.client import A2ACardResolver, ClientConfig, ClientFactory
from a2a.types import Message, Part, Role, SendMessageRequest


async def main(card_base, rpc_url, stream):
    async with httpx.AsyncClient(timeout=30) as http:
        card = await A2ACardResolver(http, card_base).get_agent_card()
        if rpc_url:
            card.supported_interfaces[0].url = rpc_url
        client = ClientFactory(ClientConfig(streaming=stream, httpx_client=http)).create(card)
        request = SendMessageRequest(
            message=Message(role=Role.ROLE_USER, message_id="conformance-1", parts=[Part(text="hello A2A")])
        )
        texts = []
        async for event in client.send_message(request):
            if event.HasField("message"):
                texts.extend(p.text for p in event.message.parts)
        print(json.dumps({"card": card.name, "streaming": card.capabilities.streaming, "texts": texts}))


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--stream"]
    asyncio.run(main(args[0], args[1] if len(args) > 1 else None, "--stream" in sys.argv))
