"""What EKS offers every account: the addons and their versions, and the access policies.

A small, fixed excerpt of AWS's catalogue, enough for the collection's addons on the Kubernetes
versions EKS supports; the emulator's EKS handler (eks.py) serves it and checks requests against it.
"""

KUBERNETES_VERSIONS = ("1.29", "1.30", "1.31", "1.32", "1.33")

# Addon name -> what DescribeAddonVersions says of it, the service accounts it can give AWS permissions
# through pod identity (with the managed policies AWS recommends), the top-level keys of its configuration
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
        "versions": [
            ("v1.12.1-eksbuild.2", ("1.33",), ("1.33",)),
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
        "versions": [
            ("v1.19.5-eksbuild.3", KUBERNETES_VERSIONS, KUBERNETES_VERSIONS),
            ("v1.19.2-eksbuild.1", KUBERNETES_VERSIONS, ()),
        ],
    },
}

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
