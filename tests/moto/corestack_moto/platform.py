"""Test-only moto 5.2.5 extension: AWS::BedrockAgentCore::Memory, Gateway and GatewayTarget in
moto's CloudFormation, backed by its bedrock-agentcore-control backend (so GetMemory, GetGateway and
ListGatewayTargets see what a stack made), and the Identity credential providers, which moto lacks,
kept here with the ARNs the service gives them.

Checks what the schema and the service require and moto does not: a memory's expiry in 3-365 days
and a KMS key ARN for encryption; a gateway's role and authorizer type; an EXTERNAL provider's
secret reference (never a literal key).
"""
from typing import Any

from moto.core.common_models import CloudFormationModel

from corestack_moto.agentcore import _backend, _camel


class ValidationError(Exception):
    pass


class _Model:
    """One resource: `attrs` are its Fn::GetAtt values, `pid` its physical ID. A mixin: moto finds
    the models among CloudFormationModel's direct subclasses, so each class below names both."""

    def __init__(self, pid: str, attrs: dict):
        self.pid = pid
        self.attrs = attrs

    @property
    def physical_resource_id(self) -> str:
        return self.pid

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls.ATTRS

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.attrs[attribute_name]

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"


class Memory(_Model, CloudFormationModel):
    ATTRS = {"MemoryArn", "MemoryId", "Status", "FailureReason"}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Memory"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        days = int(p["EventExpiryDuration"])
        if not 3 <= days <= 365:
            raise ValidationError(f"EventExpiryDuration {days} is outside 3-365")
        if "EncryptionKeyArn" in p and ":kms:" not in p["EncryptionKeyArn"]:
            raise ValidationError("EncryptionKeyArn is not a KMS key ARN")
        m = _backend(account_id, region_name).create_memory(
            name=p["Name"], event_expiry_duration=days, description=p.get("Description"),
            encryption_key_arn=p.get("EncryptionKeyArn"), memory_execution_role_arn=p.get("MemoryExecutionRoleArn"),
            memory_strategies=_camel(p.get("MemoryStrategies")), tags=p.get("Tags"),
        )
        # AWS's memory IDs are the name, a dash and ten characters (the memoryId pattern of the
        # data-plane API reference); moto's are m<hex>-<hex>.
        backend = _backend(account_id, region_name)
        backend.memories.pop(m.memory_id)
        m.memory_id = f"{m.name}-{m.memory_id.rsplit('-', 1)[-1]}"
        old_arn, m.memory_arn = m.memory_arn, m.memory_arn.rsplit("/", 1)[0] + "/" + m.memory_id
        tags = backend.tagger.list_tags_for_resource(old_arn)["Tags"]
        if tags:
            backend.tagger.tag_resource(m.memory_arn, tags)
            backend.tagger.delete_all_tags_for_resource(old_arn)
        backend.memories[m.memory_id] = m
        return cls(m.memory_id, {"MemoryArn": m.memory_arn, "MemoryId": m.memory_id, "Status": "CREATING", "FailureReason": ""})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # In place, as the service updates a memory (its name and key are create-only, so a change
        # to them is a new resource, which CloudFormation creates first).
        p = cloudformation_json["Properties"]
        _backend(account_id, region_name).update_memory(
            memory_id=original_resource.pid, description=p.get("Description"),
            event_expiry_duration=int(p["EventExpiryDuration"]),
            memory_execution_role_arn=p.get("MemoryExecutionRoleArn"), memory_strategies=None,
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = _backend(account_id, region_name)
        if resource_name in backend.memories:
            backend.delete_memory(resource_name)


class Gateway(_Model, CloudFormationModel):
    ATTRS = {"GatewayArn", "GatewayIdentifier", "GatewayUrl", "Status"}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::Gateway"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        if p["AuthorizerType"] == "CUSTOM_JWT" and "AuthorizerConfiguration" not in p:
            raise ValidationError("CUSTOM_JWT needs AuthorizerConfiguration")
        g = _backend(account_id, region_name).create_gateway(
            name=p["Name"], role_arn=p["RoleArn"], protocol_type=p.get("ProtocolType", "MCP"),
            authorizer_type=p["AuthorizerType"], description=p.get("Description"),
            protocol_configuration=_camel(p.get("ProtocolConfiguration")),
            authorizer_configuration=_camel(p.get("AuthorizerConfiguration")), kms_key_arn=p.get("KmsKeyArn"),
            interceptor_configurations=None, policy_engine_configuration=None, exception_level=p.get("ExceptionLevel"),
            tags=p.get("Tags"),
        )
        # The service's MCP URL ends in /mcp.
        url = f"{g.gateway_url}/mcp"
        return cls(g.gateway_id, {"GatewayArn": g.gateway_arn, "GatewayIdentifier": g.gateway_id, "GatewayUrl": url, "Status": "CREATING"})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        _backend(account_id, region_name).update_gateway(
            gateway_identifier=original_resource.pid, name=p["Name"], role_arn=p["RoleArn"],
            protocol_type=p.get("ProtocolType", "MCP"), authorizer_type=p["AuthorizerType"],
            description=p.get("Description"), protocol_configuration=_camel(p.get("ProtocolConfiguration")),
            authorizer_configuration=_camel(p.get("AuthorizerConfiguration")), kms_key_arn=p.get("KmsKeyArn"),
            interceptor_configurations=None, policy_engine_configuration=None, exception_level=p.get("ExceptionLevel"),
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        backend = _backend(account_id, region_name)
        if resource_name in backend.gateways:
            backend.delete_gateway(resource_name)


class GatewayTarget(_Model, CloudFormationModel):
    ATTRS = {"TargetId", "Status"}

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::GatewayTarget"

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        t = _backend(account_id, region_name).create_gateway_target(
            gateway_identifier=p["GatewayIdentifier"], name=p["Name"],
            target_configuration=_camel(p["TargetConfiguration"]), description=p.get("Description"),
            credential_provider_configurations=_camel(p.get("CredentialProviderConfigurations")),
            metadata_configuration=None,
        )
        return cls(f"{t.gateway_id}|{t.target_id}", {"TargetId": t.target_id, "Status": "CREATING"})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        gateway_id, _, target_id = original_resource.pid.partition("|")
        _backend(account_id, region_name).update_gateway_target(
            gateway_identifier=gateway_id, target_id=target_id, name=p["Name"],
            target_configuration=_camel(p["TargetConfiguration"]), description=p.get("Description"),
            credential_provider_configurations=_camel(p.get("CredentialProviderConfigurations")),
            metadata_configuration=None,
        )
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        gateway_id, _, target_id = resource_name.partition("|")
        backend = _backend(account_id, region_name)
        if (gateway_id, target_id) in backend.gateway_targets:
            backend.delete_gateway_target(gateway_id, target_id)


# Credential providers by (account, region): name -> properties. moto has no Identity backend.
PROVIDERS: dict = {}


class _Provider(_Model):
    ATTRS = {"CredentialProviderArn"}
    SEGMENT = ""

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        cls.check(p)
        arn = f"arn:aws:bedrock-agentcore:{region_name}:{account_id}:token-vault/default/{cls.SEGMENT}/{p['Name']}"
        PROVIDERS.setdefault((account_id, region_name), {})[p["Name"]] = dict(p, CredentialProviderArn=arn)
        return cls(p["Name"], {"CredentialProviderArn": arn})

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        cls.check(p)
        PROVIDERS.setdefault((account_id, region_name), {})[original_resource.pid].update(p)
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        PROVIDERS.get((account_id, region_name), {}).pop(resource_name, None)


class ApiKeyCredentialProvider(_Provider, CloudFormationModel):
    SEGMENT = "apikeycredentialprovider"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::ApiKeyCredentialProvider"

    @staticmethod
    def check(p):
        if p.get("ApiKeySecretSource") == "EXTERNAL" and not p.get("ApiKeySecretConfig", {}).get("SecretId"):
            raise ValidationError("an EXTERNAL API key needs ApiKeySecretConfig.SecretId")


class OAuth2CredentialProvider(_Provider, CloudFormationModel):
    SEGMENT = "oauth2credentialprovider"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::BedrockAgentCore::OAuth2CredentialProvider"

    @staticmethod
    def check(p):
        config = next(iter(p.get("Oauth2ProviderConfigInput", {}).values()), {})
        if config.get("ClientSecretSource") == "EXTERNAL" and not config.get("ClientSecretConfig", {}).get("SecretId"):
            raise ValidationError("an EXTERNAL client secret needs ClientSecretConfig.SecretId")
