"""module_utils.eks.eks_versions: EKS's Kubernetes version calendar, for the preflight (issue 13 #4)."""

import boto3

from ansible_collections.gameops.platform.plugins.module_utils import eks


def test_eks_versions_reads_the_calendar(aws_env):
    versions = eks.eks_versions(boto3.client("eks"))
    assert versions["1.31"] == dict(status="UNSUPPORTED", default=False, release_date="2024-09-26", end_of_standard_support="2025-11-26",
                                    end_of_extended_support="2026-11-26")
    assert versions["1.32"]["status"] == "EXTENDED_SUPPORT" and versions["1.35"]["status"] == "STANDARD_SUPPORT"
    assert versions["1.34"]["status"] == "EXTENDED_SUPPORT" and versions["1.34"]["end_of_standard_support"] == "2026-12-02"
    assert [version for version, details in versions.items() if details["default"]] == ["1.35"]
    assert "1.31" not in eks.eks_versions(boto3.client("eks"), include_all=False)


def test_legacy_status_is_mapped():
    class Client:
        @staticmethod
        def get_paginator(operation):
            assert operation == "describe_cluster_versions"

            class Paginator:
                @staticmethod
                def paginate(**params):
                    class Pages:
                        @staticmethod
                        def build_full_result():
                            return {"clusterVersions": [{"clusterVersion": "1.33", "status": "extended-support"}]}
                    return Pages()
            return Paginator()

    assert eks.eks_versions(Client())["1.33"]["status"] == "EXTENDED_SUPPORT"
