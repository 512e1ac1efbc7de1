"""A test agent on the Python standard library, for what echo-agent cannot show.

POST /invocations with {"action": "slow"} streams three SSE events 300 ms apart; with
{"action": "crash"} the process exits before answering; with {"action": "sleep", "seconds": N}
it answers after N seconds; with {"action": "hang_ping"} every later GET /ping hangs (the agent
stops answering pings); with {"action": "print", "hex": H, "repeat": N} it writes the bytes H
(hex) N times to stdout and answers {"written": bytes}. GET /ping answers Healthy; GET /ws
answers 431.

TEST_AGENT_CHILD=1 starts a grandchild (`sleep 600`, in the agent's process group) and prints
`child pid N`; TEST_AGENT_START_DELAY=S waits S seconds before listening.
"""
import json
import os
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = int(time.time())
PING_HANGS = threading.Event()

if os.environ.get("TEST_AGENT_CHILD"):
    child = subprocess.Popen(["sleep", "600"])
    print(f"child pid {child.pid}", flush=True)
time.sleep(float(os.environ.get("TEST_AGENT_START_DELAY", "0")))


class Agent(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/ws":
            # Refuses every WebSocket as if its headers were too large.
            self.send_response(431)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if PING_HANGS.is_set():
            time.sleep(3600)
        body = json.dumps({"status": "Healthy", "time_of_last_update": STARTED}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_json(self, value):
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if payload.get("action") == "crash":
            os._exit(3)
        if payload.get("action") == "print":
            data = bytes.fromhex(payload["hex"]) * int(payload.get("repeat", 1))
            os.write(1, data)
            self.answer_json({"written": len(data)})
            return
        if payload.get("action") in ("sleep", "hang_ping"):
            if payload["action"] == "hang_ping":
                PING_HANGS.set()
            time.sleep(float(payload.get("seconds", 0)))
            self.answer_json({})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(3):
            chunk = f'data: {{"n":{i}}}\n\n'.encode()
            self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.flush()
            time.sleep(0.3)
        self.wfile.write(b"0\r\n\r\n")


print("test agent listening", flush=True)
ThreadingHTTPServer((os.environ.get("AGENT_BIND_ADDRESS", "127.0.0.1"), int(os.environ["PORT"])), Agent).serve_forever()
