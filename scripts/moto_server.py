"""Starts moto in server mode with corestack's test-only extensions (AgentCore resource types in
CloudFormation). Usage: python moto_server.py PORT   (binds 127.0.0.1)"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "moto"))

import corestack_moto.agentcore  # noqa: E402,F401  (registers the resource types)
import corestack_moto.observability  # noqa: E402,F401  (deliveries and Transaction Search)
import corestack_moto.platform  # noqa: E402,F401  (memories, gateways, targets, credential providers)
import corestack_moto.quirks  # noqa: E402,F401  (works around moto bugs)
import corestack_moto.imports  # noqa: E402,F401  (auto-import of kept repositories, stack tags on them)
from moto.server import main  # noqa: E402

main(["-H", "127.0.0.1", "-p", sys.argv[1]])
