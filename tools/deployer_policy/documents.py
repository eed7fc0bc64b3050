"""Policy documents from the actions each layer used, and the check that a run needs nothing more.

Resources: an action with no resource-level permissions gets "*"; any other, the ARN patterns of the
resource types the Service Authorization Reference says it acts on, with the names the collection
chooses itself filled in (NAMED: the EKS cluster is named after the platform id, IAM roles and the
cache's secret start with it) and everything else a wildcard. No aws:ResourceTag condition: teardown
also removes what AWS made untagged in the platform's VPC (default route table entries, load balancers
and security groups of in-cluster controllers, their ENIs), which such a condition would refuse.
"""

import fnmatch
import itertools
import re

from deployer_policy import actions as iam_actions
from deployer_policy.additions import ADDITIONS

# The platform id in shipped documents: an IAM policy variable, so one document serves any platform
# whose deployer principal carries the tag gameops:platform=<id> (`--platform-id` renders a fixed one).
PLATFORM_VARIABLE = "${aws:PrincipalTag/gameops:platform}"

# (prefix, resource type): ARN placeholders the collection's own naming fills (defaults/vars of the roles).
NAMED = {
    ("eks", "cluster"): {"ClusterName": "{id}"},
    ("eks", "nodegroup"): {"ClusterName": "{id}"},
    ("eks", "addon"): {"ClusterName": "{id}"},
    ("eks", "access-entry"): {"ClusterName": "{id}"},
    ("eks", "podidentityassociation"): {"ClusterName": "{id}"},
    # The layers' own roles (<id>-eks, ...), and the workload roles under the path /gameops/<id>/.
    ("iam", "role"): {"RoleNameWithPath": ("{id}-*", "gameops/{id}/*")},
    ("secretsmanager", "Secret"): {"SecretId": "{id}/*"},
}
PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9]+)\}")


# An action that may act on more resource types than this (ec2:CreateTags: any EC2 resource) gets the
# service's every ARN instead of a list of them all.
MAX_TYPES = 4


def scope(action, platform_id):
    """(resource types, Resource) of a statement granting action: "*" when it has no resource-level
    permissions, else the ARN patterns of every resource type it may act on (IAM authorizes each resource
    a request involves, the optional types included)."""
    privilege = iam_actions.privilege(action)
    prefix = action.split(":")[0]
    types = sorted({entry["resource_type"].rstrip("*") for entry in privilege["resource_types"] if entry["resource_type"]})
    if not types:
        return (), ("*",)
    templates = {entry["resource"]: entry["arn"] for entry in privilege["resources"]}
    fixed = {"Partition": "aws", "Region": "*", "Account": "*"}
    if len(types) > MAX_TYPES:
        parts = _fill(templates[types[0]], fixed).split(":", 5)
        return ("any",), (":".join(parts[:5] + ["*"]),)
    arns = set()
    for name in types:
        named = NAMED.get((prefix, name), {})
        # A placeholder may take several patterns (a tuple): one ARN each.
        choices = [dict(zip(named, values)) for values in itertools.product(
            *((value,) if isinstance(value, str) else value for value in named.values()))]
        for names in choices:
            names = dict((key, value.format(id=platform_id)) for key, value in names.items())
            arns.add(_fill(templates[name], dict(names, **fixed)))
    return tuple(types), tuple(sorted(arns))


def _fill(template, values):
    """An ARN template with its placeholders filled from values, the others a wildcard."""
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), "*"), template)


def resources(action, platform_id):
    return list(scope(action, platform_id)[1])


def _sid(prefix, types):
    """A statement id from the service and resource types: Ec2SecurityGroup, EksCluster, KmsAliasKey."""
    if not types:
        return "NoResourceLevelPermissions"
    words = re.findall(r"[A-Za-z0-9]+", " ".join((prefix,) + types))
    return "".join(word[:1].upper() + word[1:] for word in words)


def tagging_on_create(actions):
    """The tagging actions AWS also authorizes when a create names tags (ec2:CreateTags for ec2:CreateVpc
    with TagSpecifications, ecr:TagResource, elasticache:AddTagsToResource, kms:TagResource): the
    Service Authorization Reference's dependent actions of each, which no logged request shows."""
    found = set()
    for action in actions:
        for entry in iam_actions.privilege(action)["resource_types"]:
            found.update(dependent for dependent in entry["dependent_actions"] if TAGGING.match(dependent.split(":")[1]))
    return found


TAGGING = re.compile(r"^(CreateTags|TagResource|AddTagsToResource)$")


def document(layer, actions, platform_id=PLATFORM_VARIABLE):
    """The policy document of a layer: the actions its run used, the tagging its creates need, and
    ADDITIONS, grouped by resource."""
    by_resource = {}
    for action in sorted(set(actions) | tagging_on_create(actions)):
        types, arns = scope(action, platform_id)
        prefix = action.split(":")[0] if types else ""
        by_resource.setdefault((prefix, types, arns), []).append(action)
    statements = [{"Sid": _sid(prefix, types), "Effect": "Allow", "Action": names, "Resource": list(arns) if len(arns) > 1 else arns[0]}
                  for (prefix, types, arns), names in by_resource.items()]
    statements.sort(key=lambda statement: statement["Sid"])
    for addition in ADDITIONS.get(layer, []):
        statement = {"Sid": addition["sid"], "Effect": "Allow", "Action": addition["actions"],
                     "Resource": [arn.format(id=platform_id) for arn in addition["resources"]]}
        if "condition" in addition:
            statement["Condition"] = addition["condition"]
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def allowed_actions(policy):
    statements = policy["Statement"]
    found = []
    for statement in statements if isinstance(statements, list) else [statements]:
        if statement.get("Effect") == "Allow":
            names = statement.get("Action", [])
            found.extend([names] if isinstance(names, str) else names)
    return found


def missing(used, documents):
    """(layer, action) pairs a run used that the layer's document does not allow (IAM matches actions
    case-insensitively, with wildcards)."""
    gaps = []
    for layer, layer_actions in sorted(used.items()):
        allowed = [pattern.lower() for pattern in allowed_actions(documents.get(layer, {"Statement": []}))]
        gaps.extend((layer, action) for action in sorted(layer_actions)
                    if not any(fnmatch.fnmatchcase(action.lower(), pattern) for pattern in allowed))
    return gaps
