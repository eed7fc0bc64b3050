"""What EKS offers every account: the addons and their versions, and the access policies.

A small, fixed excerpt of AWS's catalogue, enough for the collection's addons on the Kubernetes
versions EKS supports; the emulator's EKS handler (eks.py) serves it and checks requests against it.
"""

import calendar
from datetime import date, datetime, timezone

# EKS's Kubernetes version calendar as of 2026-12-03, from the EKS user guide's "Understand the Kubernetes
# version lifecycle on EKS" (docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html) and
# endoflife.date/amazon-eks: (version, release, end of standard support, end of extended support,
# Kubernetes patch, default platform version). Standard support lasts 14 months, extended support 12 more;
# past its end EKS auto-upgrades clusters and no longer creates them at the version (1.29 to 1.31 now: kept
# because DescribeClusterVersions with includeAll and DescribeAddonVersions still list them). Re-check when acting on it.
CALENDAR = (
    ("1.29", "2024-01-23", "2025-03-23", "2026-03-23", "1.29.15", "eks.61"),
    ("1.30", "2024-05-23", "2025-07-23", "2026-07-23", "1.30.14", "eks.58"),
    ("1.31", "2024-09-26", "2025-11-26", "2026-11-26", "1.31.10", "eks.50"),
    ("1.32", "2025-01-23", "2026-03-23", "2027-03-23", "1.32.9", "eks.34"),
    ("1.33", "2025-05-29", "2026-07-29", "2027-07-29", "1.33.5", "eks.27"),
    ("1.34", "2025-10-02", "2026-12-02", "2027-12-02", "1.34.2", "eks.13"),
    ("1.35", "2026-01-27", "2027-03-27", "2028-03-27", "1.35.0", "eks.3"),
)
# The version CreateCluster takes when none is given (DescribeClusterVersions' defaultVersion): AWS makes it a
# version in standard support (1.34 left it on 2026-12-02).
DEFAULT_KUBERNETES_VERSION = "1.35"
KUBERNETES_VERSIONS = tuple(entry[0] for entry in CALENDAR)


def today():
    return datetime.now(timezone.utc).date()


def version_status(version, on=None):
    """UNSUPPORTED, STANDARD_SUPPORT or EXTENDED_SUPPORT of a calendar version on a date (today)."""
    on = on or today()
    for name, _released, end_standard, end_extended, _patch, _platform in CALENDAR:
        if name == version:
            if on > date.fromisoformat(end_extended):
                return "UNSUPPORTED"
            return "EXTENDED_SUPPORT" if on > date.fromisoformat(end_standard) else "STANDARD_SUPPORT"
    return None


def creatable_versions(on=None):
    """The versions CreateCluster and UpdateClusterVersion take: those in standard or extended support, as AWS's."""
    return tuple(version for version in KUBERNETES_VERSIONS if version_status(version, on) != "UNSUPPORTED")


def epoch(day):
    """A calendar date as rest-json sends timestamps: epoch seconds (midnight UTC)."""
    return calendar.timegm(date.fromisoformat(day).timetuple())


def cluster_versions(on=None):
    """Every calendar version as DescribeClusterVersions describes it (ClusterVersionInformation), oldest first."""
    legacy = {"UNSUPPORTED": "unsupported", "STANDARD_SUPPORT": "standard-support", "EXTENDED_SUPPORT": "extended-support"}
    result = []
    for name, released, end_standard, end_extended, patch, platform in CALENDAR:
        status = version_status(name, on)
        result.append({"clusterVersion": name, "clusterType": "eks", "defaultPlatformVersion": platform,
                       "defaultVersion": name == DEFAULT_KUBERNETES_VERSION, "releaseDate": epoch(released),
                       "endOfStandardSupportDate": epoch(end_standard), "endOfExtendedSupportDate": epoch(end_extended),
                       "status": legacy[status], "versionStatus": status, "kubernetesPatchVersion": patch})
    return result


def since(first):
    """The calendar's versions from first on: an addon build keeps running on the versions after the one it came for."""
    key = tuple(map(int, first.split(".")))
    return tuple(version for version in KUBERNETES_VERSIONS if tuple(map(int, version.split("."))) >= key)


SINCE_1_32, SINCE_1_33 = since("1.32"), since("1.33")

# Addon name -> what DescribeAddonVersions says of it (owner "aws" unless it says otherwise), the service accounts
# it can give AWS permissions through pod identity (with the managed policies AWS recommends), the top-level keys of its configuration
# schema with their JSON types, and its versions, newest first, as
# (version, cluster versions it runs on, cluster versions it is the default for).
ADDONS = {
    "aws-ebs-csi-driver": {
        "type": "storage",
        "computeTypes": ["ec2"],
        "requiresIamPermissions": True,
        "podIdentity": {"ebs-csi-controller-sa": ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]},
        "configuration": {"controller": "object", "node": "object", "sidecars": "object", "defaultStorageClass": "object",
                          "storageClasses": "array"},
        "versions": [
            ("v1.44.0-eksbuild.1", KUBERNETES_VERSIONS, KUBERNETES_VERSIONS),
            ("v1.41.0-eksbuild.1", KUBERNETES_VERSIONS, ()),
        ],
    },
    "coredns": {
        "type": "networking",
        "computeTypes": ["ec2", "fargate", "hybrid"],
        "requiresIamPermissions": False,
        "podIdentity": {},
        "configuration": {"replicaCount": "integer", "resources": "object", "tolerations": "array", "nodeSelector": "object",
                          "affinity": "object", "autoScaling": "object", "podDisruptionBudget": "object", "corefile": "string"},
        # CoreDNS 1.12 runs on 1.33 and later; 1.32 stays on 1.11.4 builds, whose newest is not its default.
        "versions": [
            ("v1.12.4-eksbuild.1", ("1.34", "1.35"), ("1.34", "1.35")),
            ("v1.12.1-eksbuild.2", SINCE_1_33, ("1.33",)),
            ("v1.11.4-eksbuild.24", ("1.31", "1.32"), ()),
            ("v1.11.4-eksbuild.14", ("1.29", "1.30", "1.31", "1.32"), ("1.31", "1.32")),
            ("v1.11.1-eksbuild.13", ("1.29", "1.30"), ("1.29", "1.30")),
        ],
    },
    "eks-pod-identity-agent": {
        "type": "security",
        "computeTypes": ["ec2", "hybrid"],
        "requiresIamPermissions": False,
        "podIdentity": {},
        "configuration": {"agent": "object", "resources": "object", "tolerations": "array", "affinity": "object",
                          "nodeSelector": "object"},
        "versions": [
            ("v1.3.7-eksbuild.2", KUBERNETES_VERSIONS, KUBERNETES_VERSIONS),
            ("v1.3.4-eksbuild.1", KUBERNETES_VERSIONS, ()),
        ],
    },
    "kube-proxy": {
        "type": "networking",
        "computeTypes": ["ec2", "hybrid"],
        "requiresIamPermissions": False,
        "podIdentity": {},
        "configuration": {"mode": "string", "ipvs": "object", "iptables": "object", "resources": "object",
                          "podAnnotations": "object"},
        # kube-proxy follows the cluster's minor version: one build per Kubernetes version.
        "versions": [
            ("v1.35.0-eksbuild.2", ("1.35",), ("1.35",)),
            ("v1.34.1-eksbuild.2", ("1.34",), ("1.34",)),
            ("v1.33.0-eksbuild.2", ("1.33",), ("1.33",)),
            ("v1.32.3-eksbuild.7", ("1.32",), ("1.32",)),
            ("v1.31.7-eksbuild.7", ("1.31",), ("1.31",)),
            ("v1.30.11-eksbuild.5", ("1.30",), ("1.30",)),
            ("v1.29.15-eksbuild.5", ("1.29",), ("1.29",)),
        ],
    },
    "vpc-cni": {
        "type": "networking",
        "computeTypes": ["ec2", "hybrid"],
        "requiresIamPermissions": True,
        "podIdentity": {"aws-node": ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]},
        "configuration": {"env": "object", "init": "object", "nodeAgent": "object", "resources": "object", "tolerations": "array",
                          "affinity": "object", "enableNetworkPolicy": "string", "enableWindowsIpam": "string"},
        # A ladder of four minor versions: EKS moves vpc-cni one minor version at a time (ONE_MINOR_AT_A_TIME).
        "versions": [
            ("v1.21.1-eksbuild.1", SINCE_1_33, ("1.34", "1.35")),
            ("v1.20.4-eksbuild.2", SINCE_1_32, ("1.32", "1.33")),
            ("v1.20.1-eksbuild.1", SINCE_1_32, ()),
            ("v1.19.5-eksbuild.3", KUBERNETES_VERSIONS, ("1.29", "1.30", "1.31")),
            ("v1.19.2-eksbuild.1", KUBERNETES_VERSIONS, ()),
            ("v1.18.6-eksbuild.1", ("1.29", "1.30", "1.31"), ()),
            ("v1.18.3-eksbuild.2", ("1.29", "1.30", "1.31"), ()),
        ],
    },
    # A community addon (docs.aws.amazon.com/eks/latest/userguide/community-addons.html): EKS publishes it,
    # the project owns it.
    "metrics-server": {
        "type": "observability",
        "owner": "community",
        "computeTypes": ["ec2", "hybrid"],
        "requiresIamPermissions": False,
        "podIdentity": {},
        "configuration": {"replicas": "integer", "args": "array", "resources": "object", "tolerations": "array",
                          "nodeSelector": "object", "affinity": "object", "podDisruptionBudget": "object"},
        "versions": [
            ("v0.8.0-eksbuild.2", SINCE_1_32, SINCE_1_32),
            ("v0.7.2-eksbuild.4", KUBERNETES_VERSIONS, ("1.29", "1.30", "1.31")),
        ],
    },
}

# UpdateAddon moves these addons by at most one minor version per update; AWS answers more with
# InvalidParameterException (awsdocs/amazon-eks-user-guide PR #672; terraform-aws-modules/terraform-aws-eks#2749).
ONE_MINOR_AT_A_TIME = {"vpc-cni": "Updating VPC-CNI can only go up or down 1 minor version at a time"}

# Every addon here installs into kube-system unless CreateAddon's namespaceConfig says otherwise.
DEFAULT_NAMESPACE = "kube-system"

# As `aws eks list-access-policies` lists them (AWS CLI documentation), in its order.
ACCESS_POLICY_NAMES = (
    "AmazonEKSAdminPolicy",
    "AmazonEKSAdminViewPolicy",
    "AmazonEKSAutoNodePolicy",
    "AmazonEKSBlockStorageClusterPolicy",
    "AmazonEKSBlockStoragePolicy",
    "AmazonEKSClusterAdminPolicy",
    "AmazonEKSComputeClusterPolicy",
    "AmazonEKSComputePolicy",
    "AmazonEKSEditPolicy",
    "AmazonEKSHybridPolicy",
    "AmazonEKSLoadBalancingClusterPolicy",
    "AmazonEKSLoadBalancingPolicy",
    "AmazonEKSNetworkingClusterPolicy",
    "AmazonEKSNetworkingPolicy",
    "AmazonEKSViewPolicy",
    "AmazonEMRJobPolicy",
    "AmazonSagemakerHyperpodClusterPolicy",
    "AmazonSagemakerHyperpodControllerPolicy",
    "AmazonSagemakerHyperpodSystemNamespacePolicy",
)
ACCESS_POLICIES = [{"name": name, "arn": "arn:aws:eks::aws:cluster-access-policy/" + name} for name in ACCESS_POLICY_NAMES]
ACCESS_POLICY_ARNS = frozenset(policy["arn"] for policy in ACCESS_POLICIES)

ACCESS_ENTRY_TYPES = ("STANDARD", "EC2", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX")


def compatible_versions(addon_name, cluster_version):
    """The addon's versions that run on a cluster version, newest first."""
    return [version for version, runs_on, _default_on in ADDONS[addon_name]["versions"] if cluster_version in runs_on]


def default_version(addon_name, cluster_version):
    """The version CreateAddon installs when none is asked for, or None when none runs on the cluster."""
    for version, runs_on, default_on in ADDONS[addon_name]["versions"]:
        if cluster_version in runs_on and cluster_version in default_on:
            return version
    compatible = compatible_versions(addon_name, cluster_version)
    return compatible[0] if compatible else None


def configuration_schema(addon_name):
    """The addon's configuration JSON schema; like AWS's, it allows no keys besides its own."""
    properties = ADDONS[addon_name]["configuration"]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": False,
        "properties": {key: {"type": json_type} for key, json_type in properties.items()},
    }
