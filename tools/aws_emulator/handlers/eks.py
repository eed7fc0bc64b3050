"""EKS operations moto 5.2.5 lacks: addons, access entries and policies, pod identity associations; and tags.

Clusters stay moto's: every cluster-bound operation looks its cluster up in moto's EKS backend for the
request's account and region, and answers ResourceNotFoundException when there is none. What this
handler keeps for a cluster is keyed by moto's Cluster object, so it goes with the cluster: a cluster
deleted and created again under the same name, or a reset of moto, starts clean.

Tag operations are served here whole, as a handler takes whole operations. moto tags clusters only;
here cluster, nodegroup and fargate profile tags are kept on moto's objects (so moto's own describe
calls show them) and the tags of this handler's resources on its records.
"""

# The operation methods take the API's input members, camelCase, as keyword arguments.
# pylint: disable=invalid-name,too-many-arguments

import base64
import copy
import json
import os
import re
import time
import uuid
import weakref

import yaml

from aws_emulator import latency
from aws_emulator.handlers import eks_catalog as catalog
from aws_emulator.handlers.base import RestJsonHandler, ServiceError
from aws_emulator.handlers.eks_clusters import ClusterUpdates, shown_update, updates_of

DEFAULT_REGION = "us-east-1"  # moto's, should a request carry no credential scope
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 100
MAX_TAGS = 50

ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
PRINCIPAL_ARN = re.compile(r"^arn:(aws[a-z-]*):iam::(\d{12}):(role|user)/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)$")
EKS_ARN = re.compile(r"^arn:aws[a-z-]*:eks:[a-z0-9-]+:\d{12}:[a-z-]+/.+$")
NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # a Kubernetes namespace: DNS label
SCOPE_NAMESPACE = re.compile(r"^(?:[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?|[a-z0-9][-a-z0-9]{0,61}\*)$")  # or a prefix and a wildcard: dev-*
SERVICE_ACCOUNT = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")  # DNS subdomain
JSON_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "integer": int}


def not_found(message):
    return ServiceError("ResourceNotFoundException", message, 404)


def in_use(message):
    return ServiceError("ResourceInUseException", message, 409)


def invalid(message):
    return ServiceError("InvalidParameterException", message, 400)


def moto_account_id(headers):
    """The account moto keeps a request's resources in, chosen as moto's BaseResponse.get_current_account does."""
    # pylint: disable=import-outside-toplevel  # moto loads slowly; only the running emulator needs it
    from moto.core.responses import BaseResponse
    from moto.iam.models import get_account_id_from

    if "MOTO_ACCOUNT_ID" in os.environ:
        return os.environ["MOTO_ACCOUNT_ID"]
    if "x-moto-account-id" in headers:
        return headers["x-moto-account-id"]
    match = BaseResponse.access_key_regex.search(headers.get("authorization", ""))
    return get_account_id_from(match.group("access_key") if match else "AKIAEXAMPLE")


def now():
    """Timestamps as epoch seconds: how rest-json sends them, so botocore parses them to datetimes."""
    return time.time()


def view(record):
    """A record as the API shows it: no internal (_-prefixed) or unset fields, and a copy, since the
    response is serialised after the handler's lock is released."""
    return copy.deepcopy({key: value for key, value in record.items() if value is not None and not key.startswith("_")})


def page(items, max_results, next_token):
    """(one page of items, token for the next or None). Tokens are opaque offsets, as AWS tells clients to treat them."""
    size = DEFAULT_PAGE_SIZE if max_results is None else max_results
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise invalid(f"maxResults must be between 1 and {MAX_PAGE_SIZE}.")
    start = 0
    if next_token:
        try:
            start = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
            start = -1
        if start < 0:
            raise invalid("The nextToken is invalid.")
    end = start + size
    token = base64.urlsafe_b64encode(str(end).encode()).decode() if end < len(items) else None
    return items[start:end], token


def paged(key, items, max_results, next_token, **fields):
    """A list operation's answer: the page under key, nextToken when more follow, and any other fields."""
    items, token = page(items, max_results, next_token)
    return dict(fields, **{key: items}, **({"nextToken": token} if token else {}))


def minor_version(addon_version):
    """(major, minor) of an addon version such as v1.19.5-eksbuild.3."""
    numbers = re.findall(r"\d+", addon_version)
    return int(numbers[0]), int(numbers[1])


def require_role_arn(arn, member="roleArn"):
    if not ROLE_ARN.match(arn or ""):
        raise invalid(f"Invalid Role Arn: '{arn}' ({member})")


def require_json_policy(policy):
    if policy:
        try:
            json.loads(policy)
        except ValueError as error:
            raise invalid(f"The policy is not valid JSON: {error}") from error


def require_pod_identity_target(namespace, service_account):
    if not NAMESPACE.match(namespace):
        raise invalid(f"Invalid namespace: '{namespace}'. It must be a Kubernetes namespace name (DNS label).")
    if not SERVICE_ACCOUNT.match(service_account):
        raise invalid(f"Invalid serviceAccount: '{service_account}'. It must be a Kubernetes service account name.")


def parse_principal(arn):
    """(partition, account, 'role' or 'user', name) of an IAM principal ARN, the only principals access entries take."""
    match = PRINCIPAL_ARN.match(arn)
    if not match:
        raise invalid(f"The specified principalArn is invalid: '{arn}'. It must be the ARN of an IAM role or user.")
    return match.groups()


def require_kubernetes_groups(groups):
    reserved = [group for group in groups or [] if group.startswith("system:")]
    if reserved:
        raise invalid(f"Kubernetes group names cannot start with 'system:': {', '.join(reserved)}")


def configuration_values(addon_name, values):
    """The configurationValues for an addon, checked against its schema as AWS does; None when empty."""
    if not values:
        return None
    try:
        document = json.loads(values)
    except ValueError:
        try:
            document = yaml.safe_load(values)
        except yaml.YAMLError:
            document = None
    properties = catalog.ADDONS[addon_name]["configuration"]
    if isinstance(document, dict):
        errors = [schema_error(key, value, properties) for key, value in document.items()]
        errors = [error for error in errors if error]
    else:
        errors = ["$: the configuration must be a JSON or YAML object"]
    if errors:
        raise invalid(f"ConfigurationValue provided in request is not supported: Json schema validation failed with error: [{', '.join(errors)}]")
    return values


def schema_error(key, value, properties):
    if key not in properties:
        return f"$.{key}: is not defined in the schema and the schema does not allow additional properties"
    expected = JSON_TYPES[properties[key]]
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        return f"$.{key}: {type(value).__name__} found, {properties[key]} expected"
    return None


def default_username(entry_type, partition, account, kind, name, principal_arn):
    """The Kubernetes username AWS gives an access entry created without one."""
    if entry_type in ("EC2", "EC2_LINUX", "EC2_WINDOWS"):
        return "system:node:{{EC2PrivateDNSName}}"
    if entry_type != "STANDARD":
        return "system:node:{{SessionName}}"
    if kind == "role":
        return f"arn:{partition}:sts::{account}:assumed-role/{name}/{{{{SessionName}}}}"
    return principal_arn


def access_scope(scope):
    """An AssociateAccessPolicy accessScope, checked: cluster-wide, or a list of namespaces."""
    scope_type, namespaces = scope.get("type"), list(scope.get("namespaces") or [])
    if scope_type not in ("cluster", "namespace"):
        raise invalid("accessScope type must be one of: cluster, namespace.")
    if scope_type == "namespace" and not namespaces:
        raise invalid("accessScope of type namespace needs at least one namespace.")
    if scope_type == "cluster" and namespaces:
        raise invalid("namespaces can only be given for an accessScope of type namespace.")
    bad = [namespace for namespace in namespaces if not SCOPE_NAMESPACE.match(namespace)]
    if bad:
        raise invalid(f"Invalid namespaces in accessScope: {', '.join(bad)}")
    return {"type": scope_type, "namespaces": namespaces}


class ClusterState:
    """What the handler keeps for one moto cluster."""

    def __init__(self):
        self.addons = {}  # addon name -> record
        self.access_entries = {}  # principal ARN -> record
        self.access_policies = {}  # principal ARN -> {policy ARN: associated access policy}
        self.associations = {}  # pod identity association id -> record
        self.insights = {}  # insight id -> record (eks_clusters.ClusterUpdates._insights)

    def tagged_records(self):
        """(ARN, tags) of every record here that takes tags."""
        for records, arn_key in ((self.addons, "addonArn"), (self.access_entries, "accessEntryArn"), (self.associations, "associationArn")):
            for record in records.values():
                yield record[arn_key], record["tags"]


class EksExtensions(ClusterUpdates, RestJsonHandler):
    """EKS addons, access entries and policies, pod identity associations and tags, over moto's clusters.

    Cluster and nodegroup updates, and DescribeUpdate, come from ClusterUpdates (eks_clusters.py).
    """

    service = "eks"

    def __init__(self):
        super().__init__()
        # Weak keys: the state of a cluster moto has dropped is dropped too.
        self.states = weakref.WeakKeyDictionary()

    # -- moto's clusters and the state kept for them ------------------------------------------------

    def _clusters(self):
        """moto's clusters, by name, in the request's account and region."""
        from moto.eks.models import eks_backends  # pylint: disable=import-outside-toplevel  # moto loads slowly

        try:
            backend = eks_backends[moto_account_id(self.context.headers)][self.context.region or DEFAULT_REGION]
        except KeyError:  # a region moto does not know has no clusters
            return {}
        return backend.clusters

    def _cluster(self, name):
        cluster = self._clusters().get(name)
        if cluster is None:
            raise not_found(f"No cluster found for name: {name}.")
        return cluster

    def _state(self, cluster):
        if cluster not in self.states:
            self.states[cluster] = ClusterState()
        return self.states[cluster]

    @staticmethod
    def _arn(cluster, resource):
        """An ARN in the cluster's partition, region and account: arn:...:eks:REGION:ACCOUNT:RESOURCE."""
        return cluster.arn.rsplit(":", 1)[0] + ":" + resource

    # -- addons ---------------------------------------------------------------------------------------

    def _addon_status(self, addon):
        """The one place an addon's status is decided, from what was last asked of it (addon["_phase"]).

        CREATING (UPDATING) until the latency model's time is up (addon["_until"]), then ACTIVE; DELETING
        after a delete until the addon is gone. With the latency model off, all of it settles at once.
        """
        if addon["_phase"] == "delete":
            return "DELETING"
        if latency.pending(addon.get("_until")):
            return "CREATING" if addon["_phase"] == "create" else "UPDATING"
        return "ACTIVE"

    def _addon_view(self, addon):
        return dict(view(addon), status=self._addon_status(addon))

    @staticmethod
    def _addon(state, cluster_name, addon_name):
        addon = state.addons.get(addon_name)
        if addon is None:
            raise not_found(f"No addon: {addon_name} found in cluster: {cluster_name}")
        return addon

    @staticmethod
    def _addon_version(addon_name, cluster, requested=None):
        """The version to install: the one asked for if it runs on the cluster, else the cluster version's default."""
        if addon_name not in catalog.ADDONS or not catalog.compatible_versions(addon_name, cluster.version):
            raise invalid(f"Addon {addon_name} specified is not supported in {cluster.version} kubernetes version")
        if requested is None:
            return catalog.default_version(addon_name, cluster.version)
        if requested not in catalog.compatible_versions(addon_name, cluster.version):
            raise invalid(f"Addon version {requested} specified is not supported for {addon_name} in {cluster.version} kubernetes version")
        return requested

    def _set_addon_associations(self, cluster, state, addon, wanted):
        """Make the addon's pod identity associations the ones asked for ([{serviceAccount, roleArn}]).

        The addon owns them: they live in its namespace, carry its ARN as ownerArn, and go with it.
        Everything is checked before anything changes.
        """
        supported = catalog.ADDONS[addon["addonName"]]["podIdentity"]
        roles = {}
        for item in wanted:
            if item["serviceAccount"] not in supported:
                raise invalid(f"Addon {addon['addonName']} has no service account {item['serviceAccount']} for pod identity; "
                              f"it has: {', '.join(supported) or 'none'}")
            require_role_arn(item["roleArn"])
            roles[item["serviceAccount"]] = item["roleArn"]
        owned = {record["serviceAccount"]: record for record in state.associations.values() if record["ownerArn"] == addon["addonArn"]}
        for service_account in roles.keys() - owned.keys():
            self._require_unassociated(state, addon["_namespace"], service_account)
        for service_account, record in owned.items():
            if service_account not in roles:
                del state.associations[record["associationId"]]
            elif record["roleArn"] != roles[service_account]:
                record.update(roleArn=roles[service_account], modifiedAt=now())
        for service_account in roles.keys() - owned.keys():
            self._new_association(cluster, state, addon["_namespace"], service_account, roles[service_account], ownerArn=addon["addonArn"])
        addon["podIdentityAssociations"] = sorted(record["associationArn"] for record in state.associations.values()
                                                  if record["ownerArn"] == addon["addonArn"])

    def create_addon(self, clusterName, addonName, addonVersion=None, serviceAccountRoleArn=None, tags=None,
                     configurationValues=None, podIdentityAssociations=None, namespaceConfig=None, resolveConflicts=None, **_):
        """resolveConflicts and clientRequestToken have no effect: there are no Kubernetes objects to conflict.

        PRESERVE is refused: EKS takes it on updates only (Terraform's resolve_conflicts_on_create takes NONE and
        OVERWRITE; Pulumi: "PRESERVE can only be used for upgrading the add-ons but not during the creation").
        """
        if resolveConflicts == "PRESERVE":
            raise invalid("ResolveConflicts PRESERVE is not supported when creating an addon; use NONE or OVERWRITE.")
        cluster = self._cluster(clusterName)
        state = self._state(cluster)
        if addonName in state.addons:
            raise in_use(f"Addon already exists with name: {addonName} in cluster: {clusterName}")
        version = self._addon_version(addonName, cluster, addonVersion)
        if serviceAccountRoleArn is not None:
            require_role_arn(serviceAccountRoleArn, "serviceAccountRoleArn")
        namespace = (namespaceConfig or {}).get("namespace") or catalog.DEFAULT_NAMESPACE
        if not NAMESPACE.match(namespace):
            raise invalid(f"Invalid namespace in namespaceConfig: '{namespace}'")
        created = now()
        addon = {
            "addonName": addonName,
            "clusterName": clusterName,
            "addonVersion": version,
            "health": {"issues": []},
            "addonArn": self._arn(cluster, f"addon/{clusterName}/{addonName}/{uuid.uuid4()}"),
            "createdAt": created,
            "modifiedAt": created,
            "serviceAccountRoleArn": serviceAccountRoleArn,
            "tags": dict(tags or {}),
            "configurationValues": configuration_values(addonName, configurationValues),
            "podIdentityAssociations": [],
            "namespaceConfig": {"namespace": namespace} if namespaceConfig else None,
            "_namespace": namespace,
            "_phase": "create",
            "_until": latency.deadline("eks.addon.create"),
        }
        self._set_addon_associations(cluster, state, addon, podIdentityAssociations or [])
        state.addons[addonName] = addon
        return {"addon": self._addon_view(addon)}

    def describe_addon(self, clusterName, addonName):
        state = self._state(self._cluster(clusterName))
        return {"addon": self._addon_view(self._addon(state, clusterName, addonName))}

    def list_addons(self, clusterName, maxResults=None, nextToken=None):
        state = self._state(self._cluster(clusterName))
        return paged("addons", sorted(state.addons), maxResults, nextToken)

    def update_addon(self, clusterName, addonName, addonVersion=None, serviceAccountRoleArn=None, resolveConflicts=None,
                     configurationValues=None, podIdentityAssociations=None, **_):
        cluster = self._cluster(clusterName)
        state = self._state(cluster)
        addon = self._addon(state, clusterName, addonName)
        if self._addon_status(addon) != "ACTIVE":
            raise in_use(f"Addon {addonName} is {self._addon_status(addon)}; it can be updated once it is ACTIVE.")
        # Check every change before making any.
        version = self._addon_version(addonName, cluster, addonVersion) if addonVersion is not None else None
        if version is not None and addonName in catalog.ONE_MINOR_AT_A_TIME:
            (major, minor), (new_major, new_minor) = (minor_version(addon["addonVersion"]), minor_version(version))
            if major != new_major or abs(new_minor - minor) > 1:
                raise invalid(catalog.ONE_MINOR_AT_A_TIME[addonName])
        if serviceAccountRoleArn:
            require_role_arn(serviceAccountRoleArn, "serviceAccountRoleArn")
        configuration = configuration_values(addonName, configurationValues)
        if podIdentityAssociations is not None:
            self._set_addon_associations(cluster, state, addon, podIdentityAssociations)
        if version is not None:
            addon["addonVersion"] = version
        if serviceAccountRoleArn is not None:
            addon["serviceAccountRoleArn"] = serviceAccountRoleArn or None  # "" removes it
        if configurationValues is not None:
            addon["configurationValues"] = configuration  # "" removes them
        addon.update(modifiedAt=now(), _phase="update", _until=latency.deadline("eks.addon.update"))
        changes = {"AddonVersion": addonVersion, "ServiceAccountRoleArn": serviceAccountRoleArn, "ResolveConflicts": resolveConflicts,
                   "ConfigurationValues": configurationValues,
                   "PodIdentityAssociations": None if podIdentityAssociations is None else json.dumps(addon["podIdentityAssociations"])}
        update = {
            "id": str(uuid.uuid4()),
            "status": "InProgress" if self._addon_status(addon) == "UPDATING" else "Successful",
            "type": "AddonUpdate",
            "params": [{"type": kind, "value": value} for kind, value in changes.items() if value is not None],
            "createdAt": addon["modifiedAt"],
            "errors": [],
            "_until": addon["_until"],  # DescribeUpdate says Successful once it is over (eks_clusters.shown_update)
        }
        updates_of(addon)[update["id"]] = update  # for DescribeUpdate (eks_clusters.py)
        return {"update": shown_update(update)}

    def delete_addon(self, clusterName, addonName, **_):
        """preserve has no effect: there are no Kubernetes objects to keep."""
        state = self._state(self._cluster(clusterName))
        addon = self._addon(state, clusterName, addonName)
        if addon["_phase"] != "delete":
            addon.update(modifiedAt=now(), _phase="delete")
            latency.later("eks.addon.delete", lambda: self._remove_addon(state, addon))
        return {"addon": self._addon_view(addon)}

    def _remove_addon(self, state, addon):
        """The addon and the pod identity associations it owns go (now, or once the latency model says)."""
        with self.lock:
            for association_id in [key for key, record in state.associations.items() if record["ownerArn"] == addon["addonArn"]]:
                del state.associations[association_id]
            if state.addons.get(addon["addonName"]) is addon:
                del state.addons[addon["addonName"]]

    def describe_addon_versions(self, kubernetesVersion=None, maxResults=None, nextToken=None, addonName=None, types=None,
                                publishers=None, owners=None):
        # Every addon here is published by EKS; AWS owns them but the community addons (metrics-server).
        if publishers and "eks" not in publishers:
            return paged("addons", [], maxResults, nextToken)
        addons = []
        for name, entry in sorted(catalog.ADDONS.items()):
            owner = entry.get("owner", "aws")
            if (addonName and name != addonName) or (types and entry["type"] not in types) or (owners and owner not in owners):
                continue
            versions = [self._version_info(entry, version, runs_on, default_on, kubernetesVersion)
                        for version, runs_on, default_on in entry["versions"] if not kubernetesVersion or kubernetesVersion in runs_on]
            if versions:
                addons.append({"addonName": name, "type": entry["type"], "addonVersions": versions, "publisher": "eks", "owner": owner,
                               "defaultNamespace": catalog.DEFAULT_NAMESPACE})
        return paged("addons", addons, maxResults, nextToken)

    @staticmethod
    def _version_info(entry, version, runs_on, default_on, kubernetes_version):
        """One AddonVersionInfo; asked for one Kubernetes version, its compatibilities name only that one."""
        compatibilities = [{"clusterVersion": cluster_version, "platformVersions": ["*"], "defaultVersion": cluster_version in default_on}
                           for cluster_version in runs_on if not kubernetes_version or cluster_version == kubernetes_version]
        return {"addonVersion": version, "architecture": ["amd64", "arm64"], "computeTypes": list(entry["computeTypes"]),
                "compatibilities": compatibilities, "requiresConfiguration": False, "requiresIamPermissions": entry["requiresIamPermissions"]}

    def describe_cluster_versions(self, clusterType=None, maxResults=None, nextToken=None, defaultOnly=None, includeAll=None,
                                  clusterVersions=None, status=None, versionStatus=None):
        """The Kubernetes version calendar (eks_catalog.CALENDAR) as of today; end-of-life versions only with includeAll."""
        versions = catalog.cluster_versions()
        if not includeAll:
            versions = [entry for entry in versions if entry["versionStatus"] != "UNSUPPORTED"]
        filters = (("clusterType", clusterType), ("status", status), ("versionStatus", versionStatus))
        versions = [entry for entry in versions if all(value is None or entry[key] == value for key, value in filters)]
        if clusterVersions:
            versions = [entry for entry in versions if entry["clusterVersion"] in clusterVersions]
        if defaultOnly:
            versions = [entry for entry in versions if entry["defaultVersion"]]
        return paged("clusterVersions", versions, maxResults, nextToken)

    def describe_addon_configuration(self, addonName, addonVersion):
        entry = catalog.ADDONS.get(addonName)
        if entry is None or addonVersion not in [versions[0] for versions in entry["versions"]]:
            raise not_found(f"Addon {addonName} version {addonVersion} not found.")
        pod_identity = [{"serviceAccount": account, "recommendedManagedPolicies": list(policies)}
                        for account, policies in entry["podIdentity"].items()]
        return {"addonName": addonName, "addonVersion": addonVersion, "configurationSchema": json.dumps(catalog.configuration_schema(addonName)),
                "podIdentityConfiguration": pod_identity}

    # -- access entries and access policies -----------------------------------------------------------

    @staticmethod
    def _access_entry(state, cluster_name, principal_arn):
        entry = state.access_entries.get(principal_arn)
        if entry is None:
            raise not_found(f"The specified principalArn {principal_arn} has no access entry in cluster {cluster_name}.")
        return entry

    def create_access_entry(self, clusterName, principalArn, kubernetesGroups=None, tags=None, username=None,
                            type=None, **_):  # pylint: disable=redefined-builtin  # the API's member name
        cluster = self._cluster(clusterName)
        state = self._state(cluster)
        entry_type = type or "STANDARD"
        if entry_type not in catalog.ACCESS_ENTRY_TYPES:
            raise invalid(f"The type {entry_type} is not valid. Valid types: {', '.join(catalog.ACCESS_ENTRY_TYPES)}.")
        partition, account, kind, name = parse_principal(principalArn)
        if principalArn in state.access_entries:
            raise in_use("The specified access entry resource is already in use on this cluster.")
        if entry_type != "STANDARD" and (kubernetesGroups or username):
            raise invalid(f"kubernetesGroups and username cannot be given for an access entry of type {entry_type}.")
        if entry_type != "STANDARD" and kind != "role":
            raise invalid(f"An access entry of type {entry_type} needs an IAM role as its principal.")
        require_kubernetes_groups(kubernetesGroups)
        created = now()
        state.access_entries[principalArn] = entry = {
            "clusterName": clusterName,
            "principalArn": principalArn,
            "kubernetesGroups": list(kubernetesGroups or []),
            "accessEntryArn": self._arn(cluster, f"access-entry/{clusterName}/{kind}/{account}/{name}/{uuid.uuid4()}"),
            "createdAt": created,
            "modifiedAt": created,
            "tags": dict(tags or {}),
            "username": username or default_username(entry_type, partition, account, kind, name, principalArn),
            "type": entry_type,
        }
        state.access_policies[principalArn] = {}
        return {"accessEntry": view(entry)}

    def describe_access_entry(self, clusterName, principalArn):
        state = self._state(self._cluster(clusterName))
        return {"accessEntry": view(self._access_entry(state, clusterName, principalArn))}

    def list_access_entries(self, clusterName, associatedPolicyArn=None, maxResults=None, nextToken=None):
        state = self._state(self._cluster(clusterName))
        principals = sorted(arn for arn in state.access_entries if not associatedPolicyArn or associatedPolicyArn in state.access_policies[arn])
        return paged("accessEntries", principals, maxResults, nextToken)

    def update_access_entry(self, clusterName, principalArn, kubernetesGroups=None, username=None, **_):
        state = self._state(self._cluster(clusterName))
        entry = self._access_entry(state, clusterName, principalArn)
        if entry["type"] != "STANDARD" and (kubernetesGroups is not None or username is not None):
            raise invalid(f"kubernetesGroups and username cannot be changed on an access entry of type {entry['type']}.")
        require_kubernetes_groups(kubernetesGroups)
        if kubernetesGroups is not None:
            entry["kubernetesGroups"] = list(kubernetesGroups)
        if username:
            entry["username"] = username
        entry["modifiedAt"] = now()
        return {"accessEntry": view(entry)}

    def delete_access_entry(self, clusterName, principalArn):
        state = self._state(self._cluster(clusterName))
        self._access_entry(state, clusterName, principalArn)
        del state.access_entries[principalArn]
        del state.access_policies[principalArn]
        return {}

    def associate_access_policy(self, clusterName, principalArn, policyArn, accessScope):
        state = self._state(self._cluster(clusterName))
        self._access_entry(state, clusterName, principalArn)
        if policyArn not in catalog.ACCESS_POLICY_ARNS:
            raise invalid(f"The specified policyArn is not an EKS access policy: {policyArn}")
        scope = access_scope(accessScope)
        policies = state.access_policies[principalArn]
        changed = now()
        # Associating a policy again changes its scope, as on AWS.
        association = policies.setdefault(policyArn, {"policyArn": policyArn, "associatedAt": changed})
        association.update(accessScope=scope, modifiedAt=changed)
        return {"clusterName": clusterName, "principalArn": principalArn, "associatedAccessPolicy": view(association)}

    def disassociate_access_policy(self, clusterName, principalArn, policyArn):
        state = self._state(self._cluster(clusterName))
        self._access_entry(state, clusterName, principalArn)
        if policyArn not in state.access_policies[principalArn]:
            raise not_found(f"The access policy {policyArn} is not associated with the access entry for {principalArn}.")
        del state.access_policies[principalArn][policyArn]
        return {}

    def list_associated_access_policies(self, clusterName, principalArn, maxResults=None, nextToken=None):
        state = self._state(self._cluster(clusterName))
        self._access_entry(state, clusterName, principalArn)
        associations = state.access_policies[principalArn]
        policies = [view(associations[policy_arn]) for policy_arn in sorted(associations)]
        return paged("associatedAccessPolicies", policies, maxResults, nextToken, clusterName=clusterName, principalArn=principalArn)

    def list_access_policies(self, maxResults=None, nextToken=None):
        return paged("accessPolicies", copy.deepcopy(catalog.ACCESS_POLICIES), maxResults, nextToken)

    # -- pod identity associations --------------------------------------------------------------------

    @staticmethod
    def _association(state, cluster_name, association_id):
        association = state.associations.get(association_id)
        if association is None:
            raise not_found(f"No pod identity association found with id {association_id} in cluster {cluster_name}.")
        return association

    @staticmethod
    def _require_unassociated(state, namespace, service_account):
        for record in state.associations.values():
            if (record["namespace"], record["serviceAccount"]) == (namespace, service_account):
                raise in_use(f"Association already exists: {record['associationId']} for service account {namespace}/{service_account}.")

    @staticmethod
    def _require_unowned(association, action):
        if association["ownerArn"]:
            raise ServiceError("InvalidRequestException", f"Association {association['associationId']} is owned by addon "
                               f"{association['ownerArn']}; {action} it through the addon.", 400)

    def _new_association(self, cluster, state, namespace, service_account, role_arn, tags=None, ownerArn=None, disableSessionTags=None,
                         targetRoleArn=None, policy=None):
        association_id = "a-" + uuid.uuid4().hex[:17]
        created = now()
        state.associations[association_id] = association = {
            "clusterName": cluster.name,
            "namespace": namespace,
            "serviceAccount": service_account,
            "roleArn": role_arn,
            "associationArn": self._arn(cluster, f"podidentityassociation/{cluster.name}/{association_id}"),
            "associationId": association_id,
            "tags": dict(tags or {}),
            "createdAt": created,
            "modifiedAt": created,
            "ownerArn": ownerArn,
            "disableSessionTags": bool(disableSessionTags),
            "targetRoleArn": targetRoleArn or None,
            # AWS names the association in the target role's trust policy by an external id.
            "externalId": str(uuid.uuid4()) if targetRoleArn else None,
            "policy": policy or None,
        }
        return association

    def create_pod_identity_association(self, clusterName, namespace, serviceAccount, roleArn, tags=None, disableSessionTags=None,
                                        targetRoleArn=None, policy=None, **_):
        cluster = self._cluster(clusterName)
        state = self._state(cluster)
        require_pod_identity_target(namespace, serviceAccount)
        require_role_arn(roleArn)
        if targetRoleArn:
            require_role_arn(targetRoleArn, "targetRoleArn")
        require_json_policy(policy)
        self._require_unassociated(state, namespace, serviceAccount)
        association = self._new_association(cluster, state, namespace, serviceAccount, roleArn, tags=tags,
                                            disableSessionTags=disableSessionTags, targetRoleArn=targetRoleArn, policy=policy)
        return {"association": view(association)}

    def describe_pod_identity_association(self, clusterName, associationId):
        state = self._state(self._cluster(clusterName))
        return {"association": view(self._association(state, clusterName, associationId))}

    def list_pod_identity_associations(self, clusterName, namespace=None, serviceAccount=None, maxResults=None, nextToken=None):
        state = self._state(self._cluster(clusterName))
        summary_keys = ("clusterName", "namespace", "serviceAccount", "associationArn", "associationId", "ownerArn")
        summaries = [view({key: record[key] for key in summary_keys}) for record in state.associations.values()
                     if namespace in (None, record["namespace"]) and serviceAccount in (None, record["serviceAccount"])]
        return paged("associations", summaries, maxResults, nextToken)

    def update_pod_identity_association(self, clusterName, associationId, roleArn=None, disableSessionTags=None, targetRoleArn=None,
                                        policy=None, **_):
        state = self._state(self._cluster(clusterName))
        association = self._association(state, clusterName, associationId)
        self._require_unowned(association, "update")
        if roleArn is not None:
            require_role_arn(roleArn)
        if targetRoleArn:
            require_role_arn(targetRoleArn, "targetRoleArn")
        require_json_policy(policy)
        if roleArn is not None:
            association["roleArn"] = roleArn
        if disableSessionTags is not None:
            association["disableSessionTags"] = disableSessionTags
        if targetRoleArn is not None:  # "" removes the target role, and its external id with it
            association["externalId"] = (association["externalId"] or str(uuid.uuid4())) if targetRoleArn else None
            association["targetRoleArn"] = targetRoleArn or None
        if policy is not None:
            association["policy"] = policy or None
        association["modifiedAt"] = now()
        return {"association": view(association)}

    def delete_pod_identity_association(self, clusterName, associationId):
        state = self._state(self._cluster(clusterName))
        association = self._association(state, clusterName, associationId)
        self._require_unowned(association, "delete")
        del state.associations[associationId]
        return {"association": view(association)}

    # -- tags -----------------------------------------------------------------------------------------

    def _tags(self, resource_arn):
        """The tags of the resource an ARN names, as the dict to read or change in place."""
        if not EKS_ARN.match(resource_arn):
            raise ServiceError("BadRequestException", f"Invalid ARN: {resource_arn}", 400)
        for cluster in list(self._clusters().values()):
            taggable = [(cluster.arn, cluster.tags)]
            taggable += [(nodegroup.arn, nodegroup.tags) for nodegroup in cluster.nodegroups.values()]
            taggable += [(profile.fargate_profile_arn, profile.tags) for profile in cluster.fargate_profiles.values()]
            if cluster in self.states:
                taggable += list(self.states[cluster].tagged_records())
            for arn, tags in taggable:
                if arn == resource_arn:
                    return tags
        raise ServiceError("NotFoundException", f"Resource was not found: {resource_arn}", 404)

    def tag_resource(self, resourceArn, tags):
        current = self._tags(resourceArn)
        reserved = [key for key in tags if key.lower().startswith("aws:")]
        if reserved:
            raise ServiceError("BadRequestException", f"Tag keys starting with 'aws:' are reserved: {', '.join(reserved)}", 400)
        if len(current.keys() | tags.keys()) > MAX_TAGS:
            raise ServiceError("BadRequestException", f"A resource can have at most {MAX_TAGS} tags.", 400)
        current.update(tags)
        return {}

    def untag_resource(self, resourceArn, tagKeys):
        current = self._tags(resourceArn)
        for key in tagKeys:
            current.pop(key, None)
        return {}

    def list_tags_for_resource(self, resourceArn):
        return {"tags": dict(self._tags(resourceArn))}
