"""Checks, against the CloudFormation resource schemas bundled in cfn-lint, that every resource whose
type takes tags carries the four cost tags (Project, Environment, Owner, CostCenter), non-empty, in
the form the type takes (a list of {Key, Value} or a map), and that no untaggable type has Tags.

Usage: python check_tags.py REGION TEMPLATE...   (exit 1 and one line per problem on failure)
"""
import json
import sys

from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

REQUIRED = ("Project", "Environment", "Owner", "CostCenter")


def tags_form(schema):
    """'list', 'map' or None, from the schema's Tags property."""
    tags = schema.schema.get("properties", {}).get("Tags")
    if tags is None:
        return None
    if "$ref" in tags:
        name = tags["$ref"].rsplit("/", 1)[-1]
        tags = schema.schema.get("definitions", {}).get(name, tags)
    kind = tags.get("type")
    if kind == "array" or "items" in tags:
        return "list"
    return "map"


def main():
    region, paths = sys.argv[1], sys.argv[2:]
    problems, checked = [], 0
    for path in paths:
        with open(path) as f:
            template = json.load(f)
        for logical_id, resource in template.get("Resources", {}).items():
            kind = resource["Type"]
            form = tags_form(PROVIDER_SCHEMA_MANAGER.get_resource_schema(region, kind))
            tags = resource.get("Properties", {}).get("Tags")
            where = f"{path}: {logical_id} ({kind})"
            if form is None:
                if tags is not None:
                    problems.append(f"{where}: the type takes no Tags")
                continue
            checked += 1
            if form == "list":
                if not isinstance(tags, list):
                    problems.append(f"{where}: Tags must be a list of Key/Value, got {type(tags).__name__}")
                    continue
                values = {t.get("Key"): t.get("Value") for t in tags}
            else:
                if not isinstance(tags, dict):
                    problems.append(f"{where}: Tags must be a map, got {type(tags).__name__}")
                    continue
                values = tags
            for key in REQUIRED:
                if not values.get(key):
                    problems.append(f"{where}: missing or empty tag {key}")
    for p in problems:
        print(p)
    print(f"checked tags on {checked} taggable resources in {len(paths)} templates: {len(problems)} problem(s)")
    sys.exit(1 if problems or checked == 0 else 0)


if __name__ == "__main__":
    main()
