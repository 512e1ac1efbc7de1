"""A test agent on the Python standard library, for what echo-agent cannot show.

POST /invocations with {"action": "slow"} streams three SSE events 300 ms apart; with
{"action": "crash"} the process exits before answering. GET /ping answers Healthy.
"""
import json
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STARTED = int(time.time())


class Agent(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        body = json.dumps({"status": "Healthy", "time_of_last_update": STARTED}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        payload = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
        if payload.get("action") == "crash":
            os._exit(3)
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
