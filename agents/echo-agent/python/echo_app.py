"""The Python SDK's twin of echo-agent (same behaviour), for the conformance test and the benchmark.

Run: PORT=8081 python echo_app.py   (needs the bedrock-agentcore package)
"""
import os
import threading

from bedrock_agentcore import BedrockAgentCoreApp

app = BedrockAgentCoreApp()


def start_background(ms):
    task_id = app.add_async_task("background_ms")
    threading.Timer(max(ms, 0) / 1000.0, app.complete_async_task, args=(task_id,)).start()


@app.entrypoint
def invoke(payload, context):
    if isinstance(payload, dict) and isinstance(payload.get("background_ms"), (int, float)):
        start_background(payload["background_ms"])
    accept = context.request.headers.get("accept", "") if context.request is not None else ""
    if "text/event-stream" in accept.lower():
        prompt = payload.get("prompt", "") if isinstance(payload, dict) else ""
        return ({"delta": word} for word in (prompt if isinstance(prompt, str) else "").split())
    return {"echo": payload, "session_id": context.session_id}


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", "8080")), host=os.environ.get("AGENT_BIND_ADDRESS", "127.0.0.1"))
