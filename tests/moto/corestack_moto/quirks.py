"""Shims for moto 5.2.5 bugs that real CloudFormation does not have, so templates that are right for
AWS (and pass cfn-lint) deploy on the emulator too. Each names the bug it covers.
"""
from moto.kms.models import Key

_create_key = Key.create_from_cloudformation_json.__func__


def _create_key_with_cfn_tags(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    # moto reads AWS::KMS::Key Tags in the KMS API's shape (TagKey/TagValue) and fails with
    # KeyError: 'TagKey' on CloudFormation's {Key, Value}.
    props = cloudformation_json.get("Properties", {})
    if "Tags" in props:
        props = dict(props, Tags=[{"TagKey": t["Key"], "TagValue": t["Value"]} for t in props["Tags"]])
        cloudformation_json = dict(cloudformation_json, Properties=props)
    return _create_key(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)


Key.create_from_cloudformation_json = classmethod(_create_key_with_cfn_tags)


def _delete_vpc_endpoint(cls, resource_name, cloudformation_json, account_id, region_name):
    # moto's VPCEndPoint has no CloudFormation delete, so DeleteStack leaves interface endpoints
    # behind and the VPC cannot be deleted (DependencyViolation).
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region_name]
    if resource_name in backend.vpc_end_points:
        try:
            backend.delete_vpc_endpoints([resource_name])
        except Exception:
            # A gateway endpoint whose route tables went first: moto fails to remove its routes.
            backend.vpc_end_points.pop(resource_name, None)


from moto.ec2.models.vpcs import VPCEndPoint  # noqa: E402

VPCEndPoint.delete_from_cloudformation_json = classmethod(_delete_vpc_endpoint)


def _delete_route_table(cls, resource_name, cloudformation_json, account_id, region_name):
    # moto's RouteTable has no CloudFormation delete either; the leftover tables hold the VPC.
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region_name]
    if resource_name in backend.route_tables:
        backend.delete_route_table(resource_name)


def _delete_association(cls, resource_name, cloudformation_json, account_id, region_name):
    # ...nor SubnetRouteTableAssociation, whose associations keep the route tables in use.
    from moto.ec2.models import ec2_backends

    backend = ec2_backends[account_id][region_name]
    try:
        backend.disassociate_route_table(resource_name)
    except Exception:
        pass  # already gone with its subnet


from moto.cloudformation.parsing import resource_class_from_type  # noqa: E402
from moto.ec2.models.route_tables import RouteTable  # noqa: E402

SubnetRouteTableAssociation = resource_class_from_type("AWS::EC2::SubnetRouteTableAssociation")

RouteTable.delete_from_cloudformation_json = classmethod(_delete_route_table)
SubnetRouteTableAssociation.delete_from_cloudformation_json = classmethod(_delete_association)


def _summary_with_user_list(self, start_time, end_time, filter_expression=None):
    # moto writes each trace summary's Users as {} where the X-Ray API has a list; the AWS SDK for
    # Rust (rightly) refuses the answer.
    result = _summary(self, start_time, end_time, filter_expression)
    for s in result["TraceSummaries"]:
        s["Users"] = []
    return result


from moto.xray.models import SegmentCollection  # noqa: E402

_summary = SegmentCollection.summary
SegmentCollection.summary = _summary_with_user_list


def _gateway_updates_settle(self, *args, **kwargs):
    # moto's gateways move CREATING -> READY only: an update leaves them UPDATING for ever, where
    # the service settles on READY.
    _gateway_update(self, *args, **kwargs)
    if ("UPDATING", "READY") not in self._transitions:
        self._transitions = self._transitions + [("UPDATING", "READY")]


from moto.bedrockagentcorecontrol.models import Gateway  # noqa: E402

_gateway_update = Gateway.update
Gateway.update = _gateway_updates_settle
