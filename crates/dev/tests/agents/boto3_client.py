"""Invokes the local endpoint with boto3's bedrock-agentcore client: sync, then streaming.

Usage: python boto3_client.py ENDPOINT_URL ARN SESSION_ID   (prints one JSON line of results)
"""
import json
import sys

import boto3

url, arn, session = sys.argv[1:4]
client = boto3.client(
    "bedrock-agentcore", region_name="us-east-1", endpoint_url=url,
    aws_access_key_id="local", aws_secret_access_key="local",
)
sync = client.invoke_agent_runtime(
    agentRuntimeArn=arn, qualifier="DEFAULT", runtimeSessionId=session,
    payload=json.dumps({"prompt": "from boto3"}), contentType="application/json", accept="application/json",
)
stream = client.invoke_agent_runtime(
    agentRuntimeArn=arn, runtimeSessionId=session,
    payload=json.dumps({"prompt": "one two"}), accept="text/event-stream",
)
chunks = [c.decode() for c in stream["response"].iter_chunks()]
print(json.dumps({
    "sync": json.loads(sync["response"].read()),
    "sync_content_type": sync["contentType"],
    "session": sync["runtimeSessionId"],
    "stream": "".join(chunks),
    "stream_content_type": stream["contentType"],
}))
