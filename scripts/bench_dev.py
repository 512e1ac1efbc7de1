"""Overhead of `corestack dev` over calling echo-agent directly (scripts/bench-dev.sh runs this).

1. First-request latency of a new session: a request with a fresh session ID, through dev, which
   starts a process, waits for its /ping and forwards (median of N).
2. Steady state at 32 concurrent sessions: wrk with 32 connections, each request naming one of 32
   warmed-up sessions, through dev; against one echo-agent called directly with 32 connections.

Usage: python bench_dev.py CORESTACK_BIN ECHO_AGENT_BIN CONFIG [--seconds S] [--runs N]
"""
import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import tempfile
import time

PAYLOAD = json.dumps({"prompt": "the quick brown fox"})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


def post(port, path, session=None):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json"}
    if session:
        headers["X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"] = session
    conn.request("POST", path, PAYLOAD, headers)
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 200, r.status


def wrk(url, seconds, lua_body):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua_body)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", f.name, url], capture_output=True, text=True, check=True).stdout
    os.unlink(f.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    pct = dict(re.findall(r"^\s+(\d+)%\s+(\S+)", out, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, pct["50"], pct["99"], int(errors.group(1)) if errors else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("corestack")
    p.add_argument("agent")
    p.add_argument("config")
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--runs", type=int, default=20)
    a = p.parse_args()
    sessions = [f"bench-session-{i:04d}-0123456789abcdef0123456789" for i in range(32)]
    port = free_port()
    dev = subprocess.Popen([a.corestack, "dev", "--no-build", "--port", str(port), "--config", a.config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(port)
        path = "/runtimes/demo_agent_dev/invocations"
        first = []
        for i in range(a.runs):
            t = time.perf_counter()
            post(port, path, f"first-request-{i:04d}-0123456789abcdef012345678")
            first.append(time.perf_counter() - t)
        for s in sessions:
            post(port, path, s)
        ids = ", ".join(f'"{s}"' for s in sessions)
        lua = (f'local ids = {{{ids}}}\nlocal n = 0\nwrk.method = "POST"\nwrk.body = {json.dumps(PAYLOAD)}\n'
               'wrk.headers["Content-Type"] = "application/json"\n'
               'request = function()\n  n = n + 1\n  wrk.headers["X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"] = ids[(n % 32) + 1]\n'
               '  return wrk.format(nil)\nend\n')
        via_dev = wrk(f"http://127.0.0.1:{port}{path}", a.seconds, lua)
    finally:
        dev.terminate()
        dev.wait()
    agent_port = free_port()
    agent = subprocess.Popen([a.agent], env=dict(os.environ, PORT=str(agent_port), AGENT_BIND_ADDRESS="127.0.0.1"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_port(agent_port)
        lua = f'wrk.method = "POST"\nwrk.body = {json.dumps(PAYLOAD)}\nwrk.headers["Content-Type"] = "application/json"\n'
        direct = wrk(f"http://127.0.0.1:{agent_port}/invocations", a.seconds, lua)
    finally:
        agent.terminate()
        agent.wait()
    print(f"first request of a new session (process start, /ping, forward): median {statistics.median(first) * 1000:.1f} ms, "
          f"min {min(first) * 1000:.1f} ms, max {max(first) * 1000:.1f} ms over {a.runs}")
    print("| path | req/s | p50 | p99 | non-2xx |")
    print("|---|---|---|---|---|")
    print(f"| through corestack dev, 32 sessions, 32 connections | {via_dev[0]:,.0f} | {via_dev[1]} | {via_dev[2]} | {via_dev[3]} |")
    print(f"| echo-agent directly, 32 connections | {direct[0]:,.0f} | {direct[1]} | {direct[2]} | {direct[3]} |")


if __name__ == "__main__":
    main()
