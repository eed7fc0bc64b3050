"""How long emulated resources stay in their transitional states (CREATING, UPDATING, DELETING).

Handlers ask ``seconds(kind)`` when a resource starts a transition and report the settled state only
once that time has passed. The default is 0 (everything settles at once); the latency model scales the
real durations below to emulator seconds: ``AWS_EMULATOR_SECONDS_PER_MINUTE`` (or ``python -m
aws_emulator start --latency S``) gives the emulator seconds one real minute lasts.

Two ways to keep a resource in a transitional state:

- ``begin(resource, status, kind)`` on a moto object whose class has a ``TransitionalAttribute`` for
  that attribute (fidelity.py installs them): the attribute reads ``status`` until the time is up, then
  whatever was set last. Nothing has to run when the time is up, so nothing can be missed.
- ``later(kind, action)`` runs ``action`` (remove a deleted resource) once the time is up, at once when
  the model is off, so that without it the emulator behaves exactly as before.

Reads are eventually consistent, as on AWS: for the first ``stale_seconds(kind)`` of some transitions
(STALE_MINUTES) the attribute still reads the settled value, although the resource is already busy
(``in_transition``) and refuses other changes. botocore says so of EKS ("this status transition is
eventually consistent"), and Terraform waits 30 s before its first poll of a modified replication group
for the same reason (replicationGroupAvailableDelay). A caller that polls for the settled state at once
sees it before the change has begun.
"""

import os
import threading
import time

# Typical real durations, in minutes, of what AWS makes a caller wait for.
REAL_MINUTES = {
    "ec2.nat_gateway.create": 2,
    "eks.cluster.create": 10,
    "eks.cluster.delete": 5,
    "eks.nodegroup.create": 3,
    "eks.nodegroup.delete": 3,
    "eks.addon.create": 1,
    "eks.addon.delete": 1,
    "elasticache.replication_group.create": 7,
    "elasticache.replication_group.modify": 5,
    "elasticache.replication_group.delete": 4,
    "grafana.workspace.create": 10,
    "grafana.workspace.update": 2,
    "grafana.workspace.delete": 3,
    "amp.workspace.create": 1,
    # ACM finds a DNS validation record and issues the certificate (acm_validation; usually minutes).
    "acm.certificate.validate": 2,
}

# Real minutes at the start of a transition during which reads still show the settled state.
STALE_MINUTES = {
    "elasticache.replication_group.modify": 0.5,
    "grafana.workspace.update": 0.5,
}

SCALE_VARIABLE = "AWS_EMULATOR_SECONDS_PER_MINUTE"
TRANSITION = "_emulator_transition"  # instance attribute: (status, monotonic deadline, monotonic time reads show it from)


def scale():
    """Emulator seconds per real minute (0: the latency model is off)."""
    return float(os.environ.get(SCALE_VARIABLE) or 0)


def seconds(kind, minutes=None):
    """Emulator seconds a transition of this kind lasts (0 unless the latency model is on); ``minutes`` stands in for
    REAL_MINUTES when the real duration depends on the resource (a rolling update, node by node)."""
    return (REAL_MINUTES.get(kind, 0) if minutes is None else minutes) * scale()


def stale_seconds(kind):
    """Emulator seconds at the start of a transition of this kind during which reads show the settled state."""
    return STALE_MINUTES.get(kind, 0) * scale()


def deadline(kind, minutes=None):
    """The monotonic time a transition of this kind started now ends at; 0 when it ends at once."""
    duration = seconds(kind, minutes)
    return time.monotonic() + duration if duration > 0 else 0


def pending(until):
    """True while a deadline from deadline() has not passed."""
    return bool(until) and time.monotonic() < until


class TransitionalAttribute:
    """A class attribute (moto's ``status``, ``state``) that reads as the transitional value while one lasts.

    The value set last is kept in the instance's __dict__ under the same name, so moto's own code that
    sets and reads the attribute works unchanged.
    """

    def __init__(self, name):
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        transition = instance.__dict__.get(TRANSITION)
        if transition and pending(transition[1]) and not pending(transition[2]):
            return transition[0]
        return instance.__dict__.get(self.name)

    def __set__(self, instance, value):
        instance.__dict__[self.name] = value


def install(cls, name):
    """Make ``cls.name`` a TransitionalAttribute (once)."""
    if not isinstance(cls.__dict__.get(name), TransitionalAttribute):
        setattr(cls, name, TransitionalAttribute(name))


def begin(resource, status, kind, minutes=None):
    """Show ``status`` for seconds(kind, minutes), then the settled value; returns the seconds (0: settled at once)."""
    until = deadline(kind, minutes)
    if until:
        stale = stale_seconds(kind)
        resource.__dict__[TRANSITION] = (status, until, time.monotonic() + stale if stale > 0 else 0)
    else:
        resource.__dict__.pop(TRANSITION, None)
    return seconds(kind, minutes)


def end(resource):
    """Stop showing a transitional status: the attribute reads as set again (a delete ends a CREATING)."""
    resource.__dict__.pop(TRANSITION, None)


def in_transition(resource):
    """Whether the resource is busy with a transition, shown yet or not."""
    transition = resource.__dict__.get(TRANSITION)
    return bool(transition) and pending(transition[1])


def stale(resource):
    """Whether reads of the resource still show the state from before its transition began."""
    transition = resource.__dict__.get(TRANSITION)
    return bool(transition) and pending(transition[1]) and pending(transition[2])


def later(kind, action):
    """Run ``action()`` once a transition of this kind is over: now when it lasts 0 seconds."""
    duration = seconds(kind)
    if duration <= 0:
        action()
        return
    timer = threading.Timer(duration, action)
    timer.daemon = True
    timer.start()
