"""How long emulated resources stay in their transitional states (CREATING, UPDATING, DELETING).

Handlers ask ``seconds(kind)`` when a resource starts a transition and report the settled state only
once that time has passed. The default is 0 (everything settles at once); the latency model scales the
real durations below to emulator seconds.
"""

import os

# Typical real durations, in minutes, of what AWS makes a caller wait for.
REAL_MINUTES = {
    "ec2.nat_gateway.create": 2,
    "eks.cluster.create": 10,
    "eks.cluster.delete": 5,
    "eks.nodegroup.create": 3,
    "eks.nodegroup.delete": 3,
    "eks.addon.create": 1,
    "elasticache.replication_group.create": 7,
    "elasticache.replication_group.modify": 5,
    "elasticache.replication_group.delete": 4,
    "grafana.workspace.create": 10,
    "grafana.workspace.update": 2,
    "grafana.workspace.delete": 3,
    "amp.workspace.create": 1,
}

SCALE_VARIABLE = "AWS_EMULATOR_SECONDS_PER_MINUTE"


def seconds(kind):
    """Emulator seconds a transition of this kind lasts (0 unless the latency model is on)."""
    scale = float(os.environ.get(SCALE_VARIABLE) or 0)
    return REAL_MINUTES.get(kind, 0) * scale
