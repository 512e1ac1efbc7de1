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


def _delete_keeping_retain_except_on_create(self):
    # moto 5.2.5 keeps only resources whose DeletionPolicy is exactly "Retain" when a stack is
    # deleted; CloudFormation keeps "RetainExceptOnCreate" ones too (they go only when the create
    # that made them rolls back, which moto never does).
    for value in self._resource_json_map.values():
        if value.get("DeletionPolicy") == "RetainExceptOnCreate":
            value["DeletionPolicy"] = "Retain"
    _resource_map_delete(self)


from moto.cloudformation.parsing import ResourceMap  # noqa: E402

_resource_map_delete = ResourceMap.delete
ResourceMap.delete = _delete_keeping_retain_except_on_create


def _execute_change_set_like_update_stack(self, change_set_name, stack_name=None):
    # moto 5.2.5's ExecuteChangeSet applies the resources only: the stack keeps its old outputs,
    # exports, parameters and tags, so a stack updated through a change set (as CloudFormation
    # users do) exports nothing new, and a stack importing the new export fails with "No export
    # named ...". CloudFormation updates all four; so does this.
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    _execute_change_set(self, change_set_name, stack_name)
    if change_set is None:
        return
    stack = self.stacks[change_set.stack_id]
    stack._parse_template()
    stack.output_map = stack._create_output_map()
    if change_set.parameters:
        stack.parameters = change_set.parameters
    if change_set.tags is not None:
        stack.tags = change_set.tags
    for name in [n for n, e in self.exports.items() if e.exporting_stack_id == stack.stack_id]:
        self.exports.pop(name)
    for export in stack.exports:
        self.exports[export.name] = export


from moto.cloudformation.models import CloudFormationBackend  # noqa: E402

_execute_change_set = CloudFormationBackend.execute_change_set
CloudFormationBackend.execute_change_set = _execute_change_set_like_update_stack


def _delete_inline_policy_already_gone(cls, resource_name, cloudformation_json, account_id, region_name):
    # CloudFormation's delete of a resource that is already gone succeeds; moto 5.2.5 fails the
    # whole DeleteStack with NoSuchEntity when an AWS::IAM::Policy that a change-set update
    # replaced is deleted again with its stack.
    from moto.iam.exceptions import NotFoundException

    try:
        _delete_inline_policy(cls, resource_name, cloudformation_json, account_id, region_name)
    except NotFoundException:
        pass


from moto.iam.models import InlinePolicy  # noqa: E402

_delete_inline_policy = InlinePolicy.delete_from_cloudformation_json.__func__
InlinePolicy.delete_from_cloudformation_json = classmethod(_delete_inline_policy_already_gone)


def _serialized(record):
    # moto's recorder appends each entry and then its newline in two writes, from the thread of
    # each request; concurrent requests (deploy runs independent stacks at once) interleave them,
    # and an entry larger than the file buffer (a template body) can interleave mid-entry. One
    # entry at a time keeps the recording one JSON object a line.
    import threading

    lock = threading.Lock()

    def record_whole(self, request, body=None):
        with lock:
            return record(self, request, body)

    return record_whole


from moto.moto_api._internal.recorder.models import Recorder  # noqa: E402

Recorder._record_request = _serialized(Recorder._record_request)
