"""AWS::BedrockAgentCore::Runtime and RuntimeEndpoint for moto's CloudFormation, backed by moto's
bedrock-agentcore-control backend, so a deployed template's runtime is visible to GetAgentRuntime.

Pinned to moto 5.2.5: this uses moto internals (CloudFormationModel, the backend dict). Property
names are PascalCase in CloudFormation and camelCase in the API; ProtocolConfiguration is a string
in CloudFormation and {serverProtocol} in the API.
"""
from typing import Any

from moto.bedrockagentcorecontrol.models import bedrockagentcorecontrol_backends
from moto.core.common_models import CloudFormationModel


def _camel(value: Any) -> Any:
    if isinstance(value, dict):
        return {(k[:1].lower() + k[1:]): _camel(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _backend(account_id: str, region_name: str):
    return bedrockagentcorecontrol_backends[account_id][region_name]


class Runtime(CloudFormationModel):
    def __init__(self, runtime):
        self.runtime = runtime

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Runtime"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "AgentRuntimeName"

    @property
    def physical_resource_id(self) -> str:
        return self.runtime.agent_runtime_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"AgentRuntimeArn", "AgentRuntimeId", "AgentRuntimeVersion", "Status", "CreatedAt", "LastUpdatedAt"}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        r = self.runtime
        return {
            "AgentRuntimeArn": r.agent_runtime_arn,
            "AgentRuntimeId": r.agent_runtime_id,
            "AgentRuntimeVersion": r.agent_runtime_version,
            "Status": r.status,
            "CreatedAt": str(r.created_at),
            "LastUpdatedAt": str(r.last_updated_at),
        }[attribute_name]

    @staticmethod
    def _args(props: dict) -> dict:
        protocol = props.get("ProtocolConfiguration")
        return dict(
            agent_runtime_name=props["AgentRuntimeName"],
            agent_runtime_artifact=_camel(props["AgentRuntimeArtifact"]),
            role_arn=props["RoleArn"],
            network_configuration=_camel(props["NetworkConfiguration"]),
            description=props.get("Description"),
            authorizer_configuration=_camel(props.get("AuthorizerConfiguration")),
            request_header_configuration=_camel(props.get("RequestHeaderConfiguration")),
            protocol_configuration={"serverProtocol": protocol} if protocol else None,
            lifecycle_configuration=_camel(props.get("LifecycleConfiguration")),
            environment_variables=props.get("EnvironmentVariables"),
        )

    @staticmethod
    def _keep_2026_fields(runtime, props: dict) -> None:
        # moto 5.2.5 models neither platformVersion nor filesystemConfigurations; the runtime keeps
        # them as CloudFormation gave them, and GetAgentRuntime returns them (API reference).
        runtime.platform_version = props.get("PlatformVersion")
        runtime.filesystem_configurations = _camel(props.get("FilesystemConfigurations"))

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        runtime = _backend(account_id, region_name).create_agent_runtime(tags=props.get("Tags"), **cls._args(props))
        cls._keep_2026_fields(runtime, props)
        # moto's ARNs read ...:agent/<uuid>:<version>; AWS's read ...:runtime/<name>-<10 characters>,
        # which is what clients (and corestack dev) take the runtime name from.
        # Its ID is AWS's too: the name, a dash and ten characters (AgentRuntime.agentRuntimeId in
        # the control-plane API reference); moto's is a<hex>-<hex>. The deployer policy scopes
        # runtime actions by that name.
        backend = _backend(account_id, region_name)
        suffix = runtime.agent_runtime_id.rsplit("-", 1)[-1][:10].ljust(10, "0")
        backend.agent_runtimes.pop(runtime.agent_runtime_id)
        runtime.agent_runtime_id = f"{runtime.agent_runtime_name}-{suffix}"
        backend.agent_runtimes[runtime.agent_runtime_id] = runtime
        identity = runtime.workload_identity_details["workloadIdentityArn"].rsplit("/", 1)[0]
        runtime.workload_identity_details["workloadIdentityArn"] = f"{identity}/{runtime.agent_runtime_id}"
        runtime.agent_runtime_arn = f"arn:aws:bedrock-agentcore:{region_name}:{account_id}:runtime/{runtime.agent_runtime_id}"
        # Runtimes created in 2026 read back requireMMDSV2 = true (reported by users; the
        # troubleshooting guide's fix is for runtimes created before the change).
        runtime.metadata_configuration = {"requireMMDSV2": True}
        return cls(runtime)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        props = cloudformation_json["Properties"]
        args = cls._args(props)
        args.pop("agent_runtime_name")
        backend = _backend(account_id, region_name)
        runtime = original_resource.runtime
        # moto's update derives the next ARN from its own ARN shape (...:agent/<uuid>:<version>);
        # hand it that shape for the call and keep AWS's (set at create) afterwards.
        aws_arn = runtime.agent_runtime_arn
        runtime.agent_runtime_arn = f"arn:aws:bedrock-agentcore:{region_name}:{account_id}:agent/{runtime.agent_runtime_id}:{runtime.agent_runtime_version}"
        try:
            backend.update_agent_runtime(agent_runtime_id=runtime.agent_runtime_id, **{
                k: v for k, v in args.items() if k in backend.update_agent_runtime.__code__.co_varnames
            })
        finally:
            runtime.agent_runtime_arn = aws_arn
        cls._keep_2026_fields(runtime, props)
        # moto's runtimes never leave UPDATING; the service settles on READY.
        if ("UPDATING", "READY") not in runtime._transitions:
            runtime._transitions = runtime._transitions + [("UPDATING", "READY")]
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = _backend(account_id, region_name)
        if resource_name in backend.agent_runtimes:
            backend.delete_agent_runtime(resource_name)


class RuntimeEndpoint(CloudFormationModel):
    def __init__(self, endpoint):
        self.endpoint = endpoint

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::RuntimeEndpoint"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.endpoint.agent_runtime_endpoint_arn

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"AgentRuntimeEndpointArn", "AgentRuntimeArn", "Id", "Status", "LiveVersion", "TargetVersion"}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        e = self.endpoint
        return {
            "AgentRuntimeEndpointArn": e.agent_runtime_endpoint_arn,
            "AgentRuntimeArn": e.agent_runtime_arn,
            "Id": getattr(e, "id", e.agent_runtime_endpoint_arn),
            "Status": e.status,
            "LiveVersion": getattr(e, "live_version", None),
            "TargetVersion": getattr(e, "target_version", None),
        }[attribute_name]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        endpoint = _backend(account_id, region_name).create_agent_runtime_endpoint(
            agent_runtime_id=props["AgentRuntimeId"], name=props["Name"],
            agent_runtime_version=props.get("AgentRuntimeVersion"), description=props.get("Description"), tags=props.get("Tags"),
        )
        return cls(endpoint)


def _get_agent_runtime_with_metadata(self):
    # moto 5.2.5 keeps no metadataConfiguration; GetAgentRuntime returns it (API reference).
    answer = _get_agent_runtime(self)
    runtime = self.backend.get_agent_runtime(self._get_param("agentRuntimeId"))
    metadata = getattr(runtime, "metadata_configuration", None)
    if metadata is not None and isinstance(answer.result, dict):
        answer.result["metadataConfiguration"] = metadata
    for field, key in (("platform_version", "platformVersion"), ("filesystem_configurations", "filesystemConfigurations")):
        value = getattr(runtime, field, None)
        if value and isinstance(answer.result, dict):
            answer.result[key] = value
    return answer


from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse  # noqa: E402

_get_agent_runtime = BedrockAgentCoreControlResponse.get_agent_runtime
BedrockAgentCoreControlResponse.get_agent_runtime = _get_agent_runtime_with_metadata

