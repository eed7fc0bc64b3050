# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``eks`` section of the platform spec: schema, checks beyond types, normalized form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible_collections.gameops.platform.plugins.module_utils import aws_rules

# A Kubernetes minor version as EKS names them. Which ones EKS still creates (standard or extended support)
# is its calendar's say, not ours: the eks layer's verify step asks DescribeClusterVersions before any change.
KUBERNETES_VERSION = re.compile(r"^1\.[0-9]{2}$")

# Addons the collection knows how to order. vpc-cni and the pod identity agent must run before
# nodes join (nodes without a CNI never become Ready); the rest need nodes to schedule on.
ADDONS_BEFORE_NODES = ("vpc-cni", "eks-pod-identity-agent")
ADDONS_AFTER_NODES = ("coredns", "kube-proxy", "aws-ebs-csi-driver", "metrics-server")
KNOWN_ADDONS = ADDONS_BEFORE_NODES + ADDONS_AFTER_NODES
DEFAULT_ADDONS = ("vpc-cni", "eks-pod-identity-agent", "coredns", "kube-proxy", "aws-ebs-csi-driver")

LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
AMI_TYPES = ["AL2023_x86_64_STANDARD", "AL2023_ARM_64_STANDARD", "AL2023_x86_64_NVIDIA", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_ARM_64"]
ACCESS_POLICIES = ["AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy", "AmazonEKSEditPolicy", "AmazonEKSViewPolicy"]
# CreateAccessEntry takes IAM roles and users only: "You can't use the STS session principal type" (botocore).
PRINCIPAL_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:(role|user)/.+$")
# EKS CreateNodegroup (botocore labelKey, labelValue, taintKey, taintValue): label keys and values and taint
# keys of 1-63 characters, taint values of 0-63, beside Kubernetes' own syntax; at most 50 taints
# (EKS service quotas, "Taints per managed node group").
EKS_KEY_MAX = 63
MAX_TAINTS = 50
# The IAM roles the eks role creates, named <platform id>-<suffix> (roles/eks/vars/main.yml); the EBS CSI
# driver's only with its addon.
ROLE_SUFFIXES = ("eks-cluster", "eks-node")
ADDON_ROLE_SUFFIXES = {"aws-ebs-csi-driver": "ebs-csi"}


def _check_instance_types(field, group, errors):
    """Each type well formed, and of the architecture (and GPU) the node group's AMI type runs on."""
    ami = group["ami_type"]
    for index, instance_type in enumerate(group["instance_types"]):
        where = "%s.instance_types[%d]" % (field, index)
        parts = aws_rules.instance_type_parts(instance_type)
        if not parts:
            errors.append("%s: %r is not an EC2 instance type (<family>.<size>, such as m7g.large)" % (where, instance_type))
        elif "ARM_64" in ami and not aws_rules.is_graviton(parts):
            errors.append("%s: %r is not a Graviton (arm64) type, which ami_type %s needs (such as m7g.large, c6gn.xlarge, t4g.medium)"
                          % (where, instance_type, ami))
        elif "ARM_64" not in ami and aws_rules.is_graviton(parts):
            errors.append("%s: %r is a Graviton (arm64) type; ami_type %s runs on x86_64 (use an ARM_64 ami_type)" % (where, instance_type, ami))
        elif "NVIDIA" in ami and not aws_rules.has_nvidia_gpu(parts):
            errors.append("%s: %r has no NVIDIA GPU, which ami_type %s is for (such as g5.xlarge, g6.xlarge, p5.48xlarge)"
                          % (where, instance_type, ami))


def _check_labels_and_taints(field, group, errors):
    for key, value in sorted(group["labels"].items()):
        problem = aws_rules.label_key_problem(key, EKS_KEY_MAX)
        if problem:
            errors.append("%s.labels: the key %r %s" % (field, key, problem))
        # EKS refuses an empty label value (labelValue: at least 1 character).
        problem = aws_rules.label_value_problem(value) if value != "" else "is empty; EKS takes label values of 1 to 63 characters"
        if problem:
            errors.append("%s.labels.%s: %r %s" % (field, key, value, problem))
    if len(group["taints"]) > MAX_TAINTS:
        errors.append("%s.taints: %d taints; EKS allows at most %d per node group" % (field, len(group["taints"]), MAX_TAINTS))
    for index, taint in enumerate(group["taints"]):
        problem = aws_rules.label_key_problem(taint["key"], EKS_KEY_MAX)
        if problem:
            errors.append("%s.taints[%d].key: %r %s" % (field, index, taint["key"], problem))
        problem = aws_rules.label_value_problem(taint["value"] or "")
        if problem:
            errors.append("%s.taints[%d].value: %r %s" % (field, index, taint["value"], problem))
    # Kubernetes keeps one taint per key and effect (node validation: "taints must be unique by key and effect pair").
    aws_rules.check_unique([(taint["key"], taint["effect"]) for taint in group["taints"]], field + ".taints", "the key and effect", errors)


def _check_node_group(index, group, errors):
    field = "platform.eks.node_groups[%d]" % index
    if not 0 <= group["min_size"] <= group["max_size"] or group["max_size"] < 1:
        errors.append("%s: min_size %d must be between 0 and max_size %d (and max_size at least 1)" % (field, group["min_size"], group["max_size"]))
    desired = group["min_size"] if group["desired_size"] is None else group["desired_size"]
    if not group["min_size"] <= desired <= group["max_size"]:
        errors.append("%s.desired_size: %d must lie between min_size %d and max_size %d" % (field, desired, group["min_size"], group["max_size"]))
    if group["capacity_type"] == "SPOT" and len(group["instance_types"]) < 2:
        errors.append("%s.instance_types: SPOT needs at least two instance types so capacity can be found; got %s" % (field, group["instance_types"]))
    if not aws_rules.NODEGROUP_NAME.match(group["name"]):
        errors.append("%s.name: %r is not a node group name EKS takes: 1-63 letters, digits, '-' and '_', starting with a letter or digit"
                      % (field, group["name"]))
    _check_instance_types(field, group, errors)
    _check_labels_and_taints(field, group, errors)
    return dict(group, desired_size=desired)


def _check_addons(addons, errors):
    names = [addon["name"] for addon in addons]
    for index, name in enumerate(names):
        if name not in KNOWN_ADDONS:
            errors.append("platform.eks.addons[%d].name: %r is not a known addon; allowed: %s" % (index, name, ", ".join(KNOWN_ADDONS)))
        elif names.index(name) != index:
            errors.append("platform.eks.addons[%d].name: %r is listed twice" % (index, name))


def _access_entries(entries, errors):
    """Check the entries and shape their policies as eks_access_entry takes them."""
    shaped = []
    # CreateAccessEntry refuses a principal that has an entry already (ResourceInUseException).
    aws_rules.check_unique([entry["principal_arn"] for entry in entries], "platform.eks.access_entries", "the principal", errors)
    for index, entry in enumerate(entries):
        if not PRINCIPAL_ARN.match(entry["principal_arn"]):
            errors.append("platform.eks.access_entries[%d].principal_arn: %r is not an IAM role or user ARN" % (index, entry["principal_arn"]))
        policies = [
            {"policy": policy["policy"],
             "access_scope": {"type": "namespace" if policy["namespaces"] else "cluster", "namespaces": policy["namespaces"]}}
            for policy in entry["policies"]
        ]
        shaped.append({"principal_arn": entry["principal_arn"], "kubernetes_groups": entry["kubernetes_groups"], "access_policies": policies})
    return shaped


def _check_endpoint(endpoint, errors):
    if not endpoint["public_access"] and not endpoint["private_access"]:
        errors.append("platform.eks.endpoint: public_access and private_access cannot both be false")
    for cidr in endpoint["public_access_cidrs"]:
        try:
            ipaddress.ip_network(cidr)
        except ValueError:
            errors.append("platform.eks.endpoint.public_access_cidrs: %r is not a valid CIDR" % cidr)


def _check_derived_names(platform_id, addons, errors):
    """The cluster's and the IAM roles' names, derived from the platform id as the eks role does."""
    if not aws_rules.CLUSTER_NAME.match(platform_id):
        errors.append("platform.eks: the cluster is named after the platform id %r, which EKS refuses: 1-100 letters, digits, "
                      "'-' and '_', starting with a letter or digit" % platform_id)
    suffixes = list(ROLE_SUFFIXES) + [ADDON_ROLE_SUFFIXES[a["name"]] for a in addons if a["name"] in ADDON_ROLE_SUFFIXES]
    for suffix in suffixes:
        name = "%s-%s" % (platform_id, suffix)
        problem = aws_rules.iam_role_name_problem(name)
        if problem:
            errors.append("platform.eks: the IAM role %r (<platform.name>-<platform.environment>-%s) %s; shorten platform.name or "
                          "platform.environment" % (name, suffix, problem))


def check_eks(eks, platform, errors):
    """Check the eks section (already type-checked) and return it normalized."""
    platform_id = platform["id"]
    if not KUBERNETES_VERSION.match(eks["version"]):
        errors.append("platform.eks.version: %r is not a Kubernetes minor version such as '1.35'" % eks["version"])
    _check_endpoint(eks["endpoint"], errors)
    groups = [_check_node_group(index, group, errors) for index, group in enumerate(eks["node_groups"])]
    group_names = [group["name"] for group in groups]
    if len(set(group_names)) != len(group_names) or not groups:
        errors.append("platform.eks.node_groups: give at least one node group, with distinct names; got %s" % group_names)
    addons = eks["addons"] if eks["addons"] is not None else [{"name": name, "version": "latest", "configuration_values": None} for name in DEFAULT_ADDONS]
    _check_addons(addons, errors)
    _check_derived_names(platform_id, addons, errors)
    return dict(
        eks,
        cluster_name=platform_id,
        access_entries=_access_entries(eks["access_entries"], errors),
        node_groups=groups,
        addons_before_nodes=[addon for addon in addons if addon["name"] in ADDONS_BEFORE_NODES],
        addons_after_nodes=[addon for addon in addons if addon["name"] not in ADDONS_BEFORE_NODES],
    )
