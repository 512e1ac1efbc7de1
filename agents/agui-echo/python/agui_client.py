"""An AG-UI client check with the AG-UI protocol's own Python package (ag-ui-protocol): sends a
RunAgentInput it builds, reads the server-sent events, and validates every event against the
package's Event models; the same over a WebSocket when a ws:// URL is given. Prints the event
types and the text the deltas make, as one JSON document.

    python agui_client.py INVOCATIONS_URL [WS_URL]
"""

import asyncio
import json
import sys

import httpx
import websockets
from ag_ui.core import Event, RunAgentInput, UserMessage
from pydantic import TypeAdapter

EVENT = TypeAdapter(Event)


def run_input():
    return RunAgentInput(
        thread_id="thread-1", run_id="run-1", state={}, tools=[], context=[], forwarded_props={},
        messages=[UserMessage(id="u1", role="user", content="stream these four words")],
    ).model_dump(mode="json", by_alias=True, exclude_none=True)


def summary(events):
    parsed = [EVENT.validate_python(e) for e in events]
    return {
        "types": [e.type.value for e in parsed],
        "text": "".join(e.delta for e in parsed if e.type.value == "TEXT_MESSAGE_CONTENT"),
        "ids": sorted({e.thread_id + "/" + e.run_id for e in parsed if e.type.value in ("RUN_STARTED", "RUN_FINISHED")}),
    }


async def over_sse(url):
    events = []
    async with httpx.AsyncClient(timeout=30) as http:
        headers = {"accept": "text/event-stream", "content-type": "application/json",
                   "x-amzn-bedrock-agentcore-runtime-session-id": "agui-session-0123456789abcdef0123456789"}
        async with http.stream("POST", url, json=run_input(), headers=headers) as r:
            r.raise_for_status()
            async for line in r.aiter_lines():
                if line.startswith("data: "):
                    events.append(json.loads(line[6:]))
    return summary(events)


async def over_ws(url):
    events = []
    async with websockets.connect(url) as ws:
        await ws.send(json.dumps(run_input()))
        while True:
            event = json.loads(await ws.recv())
            events.append(event)
            if event["type"] in ("RUN_FINISHED", "RUN_ERROR"):
                break
    return summary(events)


async def main():
    out = {"sse": await over_sse(sys.argv[1])}
    if len(sys.argv) > 2:
        out["ws"] = await over_ws(sys.argv[2])
    print(json.dumps(out))


asyncio.run(main())
