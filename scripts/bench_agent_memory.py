"""Peak RSS of an agent per request, against request size: the JSON path (an array of one-digit
numbers, the worst case for a parsed payload) and the SSE path (a prompt of two-letter words,
one event each). One fresh agent process per measurement; VmHWM from /proc after the answer.

Usage: python3 scripts/bench_agent_memory.py AGENT_BINARY [SIZES_MB ...]
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure(binary, body, accept):
    port = free_port()
    env = dict(os.environ, PORT=str(port), AGENT_BIND_ADDRESS="127.0.0.1", RUST_LOG="warn")
    agent = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1).read()
                break
            except OSError:
                time.sleep(0.05)
        baseline = rss(agent.pid, "VmRSS")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/invocations", data=body,
                                         headers={"content-type": "application/json", "accept": accept})
        started = time.monotonic()
        with urllib.request.urlopen(request, timeout=600) as r:
            received = 0
            while chunk := r.read(1 << 20):
                received += len(chunk)
        took = time.monotonic() - started
        time.sleep(0.2)
        return baseline, rss(agent.pid, "VmHWM"), rss(agent.pid, "VmRSS"), received, took
    finally:
        agent.kill()
        agent.wait()


def rss(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024
    return 0


def main():
    binary = sys.argv[1]
    sizes = [float(s) for s in sys.argv[2:]] or [1, 10, 50, 100]
    print("| path | request MB | answer MB | RSS before MB | peak RSS MB | RSS after MB | seconds |")
    print("|---|---|---|---|---|---|---|")
    for mb in sizes:
        # Just under the size asked for (100 MB is the service's and the SDK's limit).
        n = int(mb * 1_000_000 / 2) - 16
        json_body = ("[" + ",".join(["1"] * n) + "]").encode()
        sse_body = json.dumps({"prompt": " ".join(["ab"] * (n * 2 // 3))}).encode()
        for path, body, accept in [("JSON", json_body, "application/json"), ("SSE", sse_body, "text/event-stream")]:
            before, peak, after, received, took = measure(binary, body, accept)
            print(f"| {path} | {len(body) / 1e6:.1f} | {received / 1e6:.1f} | {before} | {peak} | {after} | {took:.1f} |", flush=True)


main()
