# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS upgrade readiness insights: what stands in the way of a cluster's next Kubernetes version.

EKS checks every cluster against its curated upgrade readiness insights, about once a day, and
UpdateClusterVersion answers InvalidStateException for a version an insight in ERROR applies to, unless
called with ``force`` (botocore's UpdateClusterVersion; aws/containers-roadmap#2570). Since the insights
can lag the cluster by up to a day, the refusal itself is handled too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gameops.platform.plugins.module_utils.eks import paginate

OVERRIDE = "set force_upgrade=true to update anyway, overriding them"
REFRESH = "EKS refreshes insights about daily; StartInsightsRefresh (aws eks start-insights-refresh) does it at once"


def blocking_insights(client, cluster_name, version):
    """The upgrade readiness insights in ERROR for ``version``: [{id, name, description, reason}]."""
    insight_filter = dict(categories=["UPGRADE_READINESS"], kubernetesVersions=[version], statuses=["ERROR"])
    insights = paginate(client, "list_insights", clusterName=cluster_name, filter=insight_filter)["insights"]
    return [dict(id=insight["id"], name=insight.get("name"), description=insight.get("description"),
                 reason=(insight.get("insightStatus") or {}).get("reason")) for insight in insights]


def named(insights):
    """The insights in a message: name: description (reason); ..."""
    return "; ".join("%s: %s (%s)" % (insight["name"], insight["description"], insight["reason"] or "no reason given") for insight in insights)


def blocked_message(cluster_name, version, insights):
    return ("Cluster %s is not ready for Kubernetes %s: EKS reports upgrade readiness insights in ERROR: %s. Resolve them (%s), or %s"
            % (cluster_name, version, named(insights), REFRESH, OVERRIDE))


def forced_warning(cluster_name, version, insights):
    return "Updating cluster %s to Kubernetes %s with force_upgrade, past upgrade readiness insights in ERROR: %s" % (
        cluster_name, version, named(insights))


def refused_message(cluster_name, version, aws_message, insights):
    """UpdateClusterVersion's InvalidStateException, with the insights in ERROR now listed for the version, if any."""
    listed = named(insights) if insights else "none listed yet (%s)" % REFRESH
    return ("EKS refused to update cluster %s to Kubernetes %s: %s Upgrade readiness insights in ERROR: %s. Resolve them, or %s"
            % (cluster_name, version, aws_message, listed, OVERRIDE))
