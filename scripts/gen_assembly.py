"""Writes an assembly of N AgentCore runtimes that refer to each other across stacks (100 a
stack: each runtime's role policy and environment import a runtime of the next stack), for the
check's benchmark. Usage: python3 scripts/gen_assembly.py N DIR
"""
import json, sys, os
n = int(sys.argv[1]); out = sys.argv[2]; per = 100
os.makedirs(out, exist_ok=True)
stacks = []
k = (n + per - 1) // per
for s in range(k):
    res, outs = {}, {}
    for j in range(per):
        i = s * per + j
        if i >= n: break
        peer_stack = (s + 1) % k
        res[f"Role{i}"] = {"Type": "AWS::IAM::Role", "Properties": {"AssumeRolePolicyDocument": {"Statement": []}}}
        res[f"Policy{i}"] = {"Type": "AWS::IAM::Policy", "Properties": {"PolicyName": "p", "Roles": [{"Ref": f"Role{i}"}],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": [{"Fn::ImportValue": f"s{peer_stack}-rt-{(i + per) % n}"}]}]}}}
        res[f"Runtime{i}"] = {"Type": "AWS::BedrockAgentCore::Runtime", "DependsOn": [f"Role{i}", f"Policy{i}"], "Properties": {
            "AgentRuntimeName": f"rt_{i}", "RoleArn": {"Fn::GetAtt": [f"Role{i}", "Arn"]},
            "AgentRuntimeArtifact": {"ContainerConfiguration": {"ContainerUri": "123456789012.dkr.ecr.us-east-1.amazonaws.com/r:v1"}},
            "NetworkConfiguration": {"NetworkMode": "PUBLIC"},
            "EnvironmentVariables": {"PEER": {"Fn::ImportValue": f"s{peer_stack}-rt-{(i + per) % n}"}}}}
        res[f"Alarm{i}"] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {"Namespace": "AWS/Bedrock-AgentCore", "MetricName": "Latency",
            "Dimensions": [{"Name": "Resource", "Value": {"Fn::GetAtt": [f"Runtime{i}", "AgentRuntimeArn"]}}], "EvaluationPeriods": 1, "ComparisonOperator": "GreaterThanThreshold"}}
        outs[f"O{i}"] = {"Value": {"Fn::GetAtt": [f"Runtime{i}", "AgentRuntimeArn"]}, "Export": {"Name": f"s{s}-rt-{i}"}}
    name = f"s{s}"
    json.dump({"Resources": res, "Outputs": outs}, open(f"{out}/{name}.template.json", "w"))
    stacks.append({"name": name, "template": f"{name}.template.json"})
json.dump({"environment": {"production": False}, "stacks": stacks}, open(f"{out}/manifest.json", "w"))
