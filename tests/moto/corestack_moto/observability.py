"""Test-only moto 5.2.5 extension: CloudFormation's vended-log deliveries (AWS::Logs::DeliverySource,
DeliveryDestination, Delivery) on moto's CloudWatch Logs backend, and CloudWatch Transaction Search
(AWS::XRay::TransactionSearchConfig) with the X-Ray calls that read and set it
(GetTraceSegmentDestination, UpdateTraceSegmentDestination), which moto lacks.

Checks what the services document and moto does not: AgentCore resources deliver only the log types
the AgentCore developer guide lists for them; a CloudWatch Logs destination's log group must exist;
X-Ray destinations take no resource ARN; a delivery's source and destination must exist.
"""
import json
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.logs import models as logs_models
from moto.logs.models import logs_backends
from moto.xray import urls as xray_urls
from moto.xray.responses import XRayResponse

# Log types AgentCore offers per resource kind (the ARN's resource part).
AGENTCORE_LOG_TYPES = {
    "runtime": {"APPLICATION_LOGS", "USAGE_LOGS", "TRACES"},
    "memory": {"APPLICATION_LOGS", "TRACES"},
    "gateway": {"APPLICATION_LOGS", "TRACES"},
}


class ValidationError(Exception):
    pass


def _logs(account_id, region_name):
    return logs_backends[account_id][region_name]


def _tags(props):
    return {t["Key"]: t["Value"] for t in props.get("Tags", [])} or None


class DeliverySource(CloudFormationModel):
    def __init__(self, source):
        self.source = source

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Logs::DeliverySource"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.source.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.source.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        arn, log_type = props["ResourceArn"], props["LogType"]
        parts = arn.split(":")
        kind = parts[5].split("/")[0] if len(parts) > 5 else ""
        if parts[2] != "bedrock-agentcore" or log_type not in AGENTCORE_LOG_TYPES.get(kind, set()):
            raise ValidationError(f"{arn} does not deliver {log_type}")
        backend = _logs(account_id, region_name)
        if props["Name"] in backend.delivery_sources:
            raise ValidationError(f"delivery source {props['Name']} already exists")
        source = logs_models.DeliverySource(account_id, region_name, props["Name"], arn, log_type, _tags(props))
        backend.delivery_sources[source.name] = source
        return cls(source)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _logs(account_id, region_name).delivery_sources.pop(resource_name, None)


class DeliveryDestination(CloudFormationModel):
    def __init__(self, destination):
        self.destination = destination

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Logs::DeliveryDestination"

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @property
    def physical_resource_id(self) -> str:
        return self.destination.name

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "Arn"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.destination.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        backend = _logs(account_id, region_name)
        kind, target = props.get("DeliveryDestinationType"), props.get("DestinationResourceArn")
        if kind == "XRAY":
            if target:
                raise ValidationError("an XRAY delivery destination takes no DestinationResourceArn")
            # moto's DeliveryDestination reads its type from a resource ARN; X-Ray has none.
            target = f"arn:aws:xray:{region_name}:{account_id}:*"
        elif kind == "CWL":
            group = target.split(":log-group:", 1)[-1]
            if target.endswith(":*") or group not in backend.groups:
                raise ValidationError(f"log group {target} does not exist (or the ARN ends in :*)")
        destination = logs_models.DeliveryDestination(
            account_id, region_name, props["Name"], props.get("OutputFormat"), {"destinationResourceArn": target}, _tags(props)
        )
        destination.delivery_destination_type = kind
        backend.delivery_destinations[destination.name] = destination
        return cls(destination)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _logs(account_id, region_name).delivery_destinations.pop(resource_name, None)


class Delivery(CloudFormationModel):
    def __init__(self, delivery):
        self.delivery = delivery

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Logs::Delivery"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.delivery.id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in {"Arn", "DeliveryId"}

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.delivery.arn if attribute_name == "Arn" else self.delivery.id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        props = cloudformation_json["Properties"]
        delivery = _logs(account_id, region_name).create_delivery(
            props["DeliverySourceName"], props["DeliveryDestinationArn"], None, None, None, _tags(props)
        )
        return cls(delivery)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        _logs(account_id, region_name).deliveries.pop(resource_name, None)


# Where each account and Region sends spans: "XRay" until Transaction Search turns it to "CloudWatchLogs".
SEGMENT_DESTINATIONS: dict = {}


class TransactionSearchConfig(CloudFormationModel):
    def __init__(self, account_id):
        self.account_id = account_id

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::XRay::TransactionSearchConfig"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @property
    def physical_resource_id(self) -> str:
        return self.account_id

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr == "AccountId"

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return self.account_id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        # Like AWS: the setting is one per account and Region, and creating it again fails.
        if SEGMENT_DESTINATIONS.get((account_id, region_name)) == "CloudWatchLogs":
            raise ValidationError("AlreadyExists: Transaction Search is already enabled")
        SEGMENT_DESTINATIONS[(account_id, region_name)] = "CloudWatchLogs"
        return cls(account_id)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        SEGMENT_DESTINATIONS[(account_id, region_name)] = "XRay"


def _get_trace_segment_destination(self) -> str:
    destination = SEGMENT_DESTINATIONS.get((self.current_account, self.region), "XRay")
    return json.dumps({"Destination": destination, "Status": "ACTIVE"})


def _update_trace_segment_destination(self) -> str:
    destination = json.loads(self.body or "{}").get("Destination", "XRay")
    SEGMENT_DESTINATIONS[(self.current_account, self.region)] = destination
    return json.dumps({"Destination": destination, "Status": "ACTIVE"})


XRayResponse.get_trace_segment_destination = _get_trace_segment_destination
XRayResponse.update_trace_segment_destination = _update_trace_segment_destination
xray_urls.url_paths["{0}/GetTraceSegmentDestination$"] = XRayResponse.dispatch
xray_urls.url_paths["{0}/UpdateTraceSegmentDestination$"] = XRayResponse.dispatch
