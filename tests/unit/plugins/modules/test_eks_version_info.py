"""eks_version_info: a Kubernetes version checked against EKS's calendar (DescribeClusterVersions), not a list of ours.

The versions each case uses are taken from the emulator's calendar by their status today, so the tests keep
proving the same thing as versions move through support.
"""

import json

from aws_emulator.handlers import eks_catalog

from ansible_collections.gameops.platform.plugins.modules import eks_version_info
from conftest import run_module


def with_status(status):
    return [version for version in eks_catalog.KUBERNETES_VERSIONS if eks_catalog.version_status(version) == status]


def test_standard_support_passes_silently(aws_env):
    mark = aws_env.mark()
    version = with_status("STANDARD_SUPPORT")[-1]
    result = run_module(eks_version_info, dict(version=version))
    assert result.get("failed") is not True and "warnings" not in result
    assert result["version"]["name"] == version and result["version"]["status"] == "STANDARD_SUPPORT"
    assert result["creatable"] == with_status("EXTENDED_SUPPORT") + with_status("STANDARD_SUPPORT")
    assert [entry for entry in aws_env.since(mark) if entry["mutating"]] == []


def test_extended_support_warns_with_its_end_and_the_alternative(aws_env):
    version = with_status("EXTENDED_SUPPORT")[0]
    result = run_module(eks_version_info, dict(version=version), check_mode=True)
    assert result.get("failed") is not True and result["version"]["status"] == "EXTENDED_SUPPORT"
    end = result["versions"][version]["end_of_extended_support"]
    # In-process, ansible-core serializes a warning as a string or an event depending on what ran before.
    expected = "Kubernetes %s is in EKS extended support until %s, billed at a higher rate per cluster hour; %s is in standard support until %s" % (
        version, end, result["creatable"][-1], result["versions"][result["creatable"][-1]]["end_of_standard_support"])
    assert len(result["warnings"]) == 1 and expected in json.dumps(result["warnings"])


def test_end_of_life_is_refused_naming_what_eks_offers(aws_env):
    version = with_status("UNSUPPORTED")[-1]
    result = run_module(eks_version_info, dict(version=version))
    assert result["failed"] is True
    assert result["msg"].startswith("EKS no longer supports Kubernetes %s: its extended support ended on " % version)
    for offered in with_status("EXTENDED_SUPPORT") + with_status("STANDARD_SUPPORT"):
        assert offered in result["msg"]


def test_unknown_version_is_refused(aws_env):
    result = run_module(eks_version_info, dict(version="1.99"))
    assert result["failed"] is True and result["msg"].startswith("EKS has no Kubernetes version 1.99; it offers ")


def test_calendar_alone_in_version_order(aws_env):
    result = run_module(eks_version_info, {})
    assert list(result["versions"]) == sorted(eks_catalog.KUBERNETES_VERSIONS, key=lambda name: tuple(map(int, name.split("."))))
    assert "version" not in result
