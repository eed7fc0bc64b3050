#!/usr/bin/env python
"""Make an ECR repository's tags exactly the given ones; print {"changed": ..., "tags": ...} as JSON.

community.aws.ecs_ecr cannot tag repositories, so the registry role runs this with the controller's
Python (which has boto3). With --check it only reports whether it would change anything.
"""

import argparse
import json

import boto3


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--region", required=True)
    parser.add_argument("--arn", required=True, help="the repository's ARN")
    parser.add_argument("--tags", required=True, help="the tags as a JSON object")
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="report only")
    mode.add_argument("--apply", action="store_true", help="change the tags")
    args = parser.parse_args()

    wanted = {str(key): str(value) for key, value in json.loads(args.tags).items()}
    ecr = boto3.client("ecr", region_name=args.region)
    current = {tag["Key"]: tag["Value"] for tag in ecr.list_tags_for_resource(resourceArn=args.arn).get("tags", [])}
    to_set = {key: value for key, value in wanted.items() if current.get(key) != value}
    to_remove = sorted(set(current) - set(wanted))
    if args.apply:
        if to_remove:
            ecr.untag_resource(resourceArn=args.arn, tagKeys=to_remove)
        if to_set:
            ecr.tag_resource(resourceArn=args.arn, tags=[{"Key": key, "Value": value} for key, value in sorted(to_set.items())])
    print(json.dumps({"changed": bool(to_set or to_remove), "tags": wanted if args.apply else current,
                      "set": sorted(to_set), "removed": to_remove}))


if __name__ == "__main__":
    main()
