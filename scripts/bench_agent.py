"""Benchmark an AgentCore agent process the way the service uses it, side by side.

For each agent: time from process start to the first `/ping` 200 (median of N starts), resident memory
after 1,000 invocations, and `/invocations` throughput and latency percentiles at 64 concurrent
connections with wrk. Usage (scripts/bench-agent.sh does this):

  python bench_agent.py NAME=COMMAND... [--runs N] [--seconds S]

Each COMMAND is run with PORT and AGENT_BIND_ADDRESS set; stdout/stderr go to /dev/null.
"""
import argparse
import http.client
import json
import os
import re
import shlex
import socket
import statistics
import subprocess
import tempfile
import time

PAYLOAD = json.dumps({"prompt": "the quick brown fox jumps over the lazy dog"})


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command, port):
    env = dict(os.environ, PORT=str(port), AGENT_BIND_ADDRESS="127.0.0.1")
    return subprocess.Popen(shlex.split(command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ping_ok(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"GET /ping HTTP/1.1\r\nHost: agent\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def time_to_ready(command):
    port = free_port()
    started = time.perf_counter()
    proc = start(command, port)
    try:
        while not ping_ok(port):
            if proc.poll() is not None or time.perf_counter() - started > 30:
                raise RuntimeError(f"{command} did not become ready")
            time.sleep(0.0005)
        return time.perf_counter() - started
    finally:
        proc.kill()
        proc.wait()


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def load(command, seconds):
    port = free_port()
    proc = start(command, port)
    try:
        deadline = time.time() + 30
        while not ping_ok(port):
            if time.time() > deadline:
                raise RuntimeError(f"{command} did not become ready")
            time.sleep(0.01)
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(1000):
            conn.request("POST", "/invocations", PAYLOAD, {"Content-Type": "application/json"})
            conn.getresponse().read()
        conn.close()
        rss_after_1000, _ = rss_kib(proc.pid)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
            lua.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(PAYLOAD)}\nwrk.headers["Content-Type"] = "application/json"\n')
        out = subprocess.run(
            ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency", "-s", lua.name, f"http://127.0.0.1:{port}/invocations"],
            capture_output=True, text=True, check=True,
        ).stdout
        os.unlink(lua.name)
        _, peak = rss_kib(proc.pid)
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        pct = {p: v for p, v in re.findall(r"^\s+(\d+)%\s+(\S+)", out, re.M)}
        errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return rss_after_1000, peak, rps, pct, int(errors.group(1)) if errors else 0
    finally:
        proc.kill()
        proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("agents", nargs="+", help="NAME=COMMAND")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    rows = []
    for spec in args.agents:
        name, command = spec.split("=", 1)
        ready = [time_to_ready(command) for _ in range(args.runs)]
        rss, peak, rps, pct, errors = load(command, args.seconds)
        rows.append((name, statistics.median(ready) * 1000, min(ready) * 1000, rss / 1024, peak / 1024, rps, pct.get("50", "?"), pct.get("99", "?"), errors))
    print(f"| agent | ready, median (min) | RSS after 1,000 invocations | peak RSS under load | /invocations req/s at 64 conns | p50 | p99 | non-2xx |")
    print("|---|---|---|---|---|---|---|---|")
    for name, med, low, rss, peak, rps, p50, p99, errors in rows:
        print(f"| {name} | {med:.1f} ms ({low:.1f}) | {rss:.1f} MiB | {peak:.1f} MiB | {rps:,.0f} | {p50} | {p99} | {errors} |")
    if len(rows) == 2:
        print(f"\nthroughput ratio {rows[0][0]} / {rows[1][0]}: {rows[0][5] / rows[1][5]:.1f}x")


if __name__ == "__main__":
    main()
