"""CloudFormation's auto-import of named resources (CreateChangeSet ImportExistingResources), and
its stack tags on ECR repositories, which moto 5.2.5 lacks. Only what corestack relies on:
- a repository that CloudFormation creates carries the stack's tags and the aws:cloudformation:*
  tags (CloudFormation propagates stack tags to resources that take tags; moto does so for EC2
  resources only);
- a change set created with ImportExistingResources=true adopts an existing repository of the
  template's static RepositoryName instead of failing with RepositoryAlreadyExistsException, when
  the resource's DeletionPolicy is Retain or RetainExceptOnCreate and no live stack holds it
  (CloudFormation User Guide, "Import AWS resources into a CloudFormation stack automatically").
  Any other case fails as before;
- a stack that a CREATE change set makes sees the account's exports (moto gives it none, so its
  Fn::ImportValue fails with "No export named ..." where CloudFormation resolves it).
"""
from moto.cloudformation.models import CloudFormationBackend, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.ecr.models import Repository, ecr_backends

_create_change_set = CloudFormationResponse.create_change_set


def _create_change_set_remembering_import(self):
    result = _create_change_set(self)
    if self._get_bool_param("ImportExistingResources", False):
        for change_set in self.cloudformation_backend.change_sets.values():
            if change_set.change_set_name == self._get_param("ChangeSetName"):
                change_set.import_existing = True
    return result


CloudFormationResponse.create_change_set = _create_change_set_remembering_import

_backend_create_change_set = CloudFormationBackend.create_change_set


def _create_change_set_seeing_exports(self, *args, **kwargs):
    change_set_id, stack_id = _backend_create_change_set(self, *args, **kwargs)
    stack = self.stacks[stack_id]
    stack.cross_stack_resources = self.exports
    stack.resource_map.cross_stack_resources = self.exports
    return change_set_id, stack_id


CloudFormationBackend.create_change_set = _create_change_set_seeing_exports

_execute_change_set = CloudFormationBackend.execute_change_set


def _execute_change_set_importing(self, change_set_name, stack_name=None):
    change_set = self.change_sets.get(change_set_name) or next(
        (c for c in self.change_sets.values() if c.change_set_name == change_set_name), None
    )
    stack = self.stacks.get(change_set.stack_id) if change_set else None
    if stack is not None:
        stack.import_existing = getattr(change_set, "import_existing", False)
    try:
        return _execute_change_set(self, change_set_name, stack_name)
    finally:
        if stack is not None:
            stack.import_existing = False


CloudFormationBackend.execute_change_set = _execute_change_set_importing

_create_repository = Repository.create_from_cloudformation_json.__func__


def _stack_tags(stack, logical_id):
    tags = [{"Key": k, "Value": v} for k, v in (stack.tags or {}).items()]
    system = {
        "aws:cloudformation:stack-name": stack.name,
        "aws:cloudformation:stack-id": stack.stack_id,
        "aws:cloudformation:logical-id": logical_id,
    }
    return tags + [{"Key": k, "Value": v} for k, v in system.items()]


def _held_by_live_stack(backend, repo, cfn):
    tags = {t["Key"]: t["Value"] for t in backend.tagger.list_tags_for_resource(repo.arn)["tags"]}
    return tags.get("aws:cloudformation:stack-id") in cfn.stacks


def _create_repository_like_cloudformation(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
    cfn = cloudformation_backends[account_id][region_name]
    stack = cfn.stacks.get(kwargs.get("StackId"))
    backend = ecr_backends[account_id][region_name]
    name = cloudformation_json["Properties"].get("RepositoryName")
    existing = backend.repositories.get(name) if name else None
    retained = cloudformation_json.get("DeletionPolicy") in ("Retain", "RetainExceptOnCreate")
    if existing is not None and stack is not None and getattr(stack, "import_existing", False) and retained:
        if not _held_by_live_stack(backend, existing, cfn):
            backend.tagger.tag_resource(existing.arn, _stack_tags(stack, kwargs["LogicalId"]))
            return existing
    repo = _create_repository(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs)
    if stack is not None:
        backend.tagger.tag_resource(repo.arn, _stack_tags(stack, kwargs["LogicalId"]))
    return repo


Repository.create_from_cloudformation_json = classmethod(_create_repository_like_cloudformation)
