# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``eks`` section of the platform spec: schema, checks beyond types, normalized form."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

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
LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


def _check_node_group(index, group, errors):
    field = "platform.eks.node_groups[%d]" % index
    if not 0 <= group["min_size"] <= group["max_size"] or group["max_size"] < 1:
        errors.append("%s: min_size %d must be between 0 and max_size %d (and max_size at least 1)" % (field, group["min_size"], group["max_size"]))
    desired = group["min_size"] if group["desired_size"] is None else group["desired_size"]
    if not group["min_size"] <= desired <= group["max_size"]:
        errors.append("%s.desired_size: %d must lie between min_size %d and max_size %d" % (field, desired, group["min_size"], group["max_size"]))
    if group["capacity_type"] == "SPOT" and len(group["instance_types"]) < 2:
        errors.append("%s.instance_types: SPOT needs at least two instance types so capacity can be found; got %s" % (field, group["instance_types"]))
    for key in group["labels"]:
        if not LABEL_KEY.match(key):
            errors.append("%s.labels: %r is not a valid Kubernetes label key" % (field, key))
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
    return dict(
        eks,
        cluster_name=platform_id,
        access_entries=_access_entries(eks["access_entries"], errors),
        node_groups=groups,
        addons_before_nodes=[addon for addon in addons if addon["name"] in ADDONS_BEFORE_NODES],
        addons_after_nodes=[addon for addon in addons if addon["name"] not in ADDONS_BEFORE_NODES],
    )
