# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The layer registry (meta/layers.yml), each layer's spec schema (its role's argument spec), and the plan.

Controller side only: preflight reads these files from the collection itself.
"""

import functools
import importlib
import os

import yaml

COLLECTION_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
COLLECTION = "gameops.platform"
MODULE_UTILS = "ansible_collections.gameops.platform.plugins.module_utils."


# What a layer may hand to the layers that collect it, each in roles/<role>/contributions/<kind>.yml:
#   identities:  workload identities (namespace, service account, policy); the workload_roles layer makes them
#   connection:  an endpoint apps reach (`uses: [<layer>]`); the apps get its env, secret and egress
#   releases:    Kubernetes releases (chart, version, values) the kubernetes layer delivers
CONTRIBUTIONS = ("identities", "connection", "releases")


class RegistryError(ValueError):
    """meta/layers.yml names something that does not exist or cannot be ordered."""


class Layer:
    """One entry of meta/layers.yml."""

    FIELDS = ("role", "section", "keyed", "required", "needs", "after", "start", "verify", "check", "contributes")

    def __init__(self, name, entry, root):
        unknown = set(entry) - set(self.FIELDS)
        if unknown:
            raise RegistryError("meta/layers.yml: layer %s: unknown keys %s" % (name, ", ".join(sorted(unknown))))
        self.name = name
        self.root = root
        self.role = entry.get("role", name)
        section = entry.get("section", name)
        self.section = tuple(section.split(".")) if section else None
        self.keyed = bool(entry.get("keyed", False))
        self.required = bool(entry.get("required", False))
        self.needs = list(entry.get("needs") or [])
        self.after = list(entry.get("after") or [])
        self.start = bool(entry.get("start", False))
        self.verify = bool(entry.get("verify", False))
        self.check = entry.get("check")
        self.contributes = list(entry.get("contributes") or [])
        unknown = set(self.contributes) - set(CONTRIBUTIONS)
        if unknown:
            raise RegistryError("meta/layers.yml: layer %s contributes %s; allowed: %s"
                                % (name, ", ".join(sorted(unknown)), ", ".join(CONTRIBUTIONS)))

    @property
    def field(self):
        return "platform." + ".".join(self.section) if self.section else "platform"

    def schema(self):
        """The options of the role's ``spec`` entry point: the only place the section's defaults are written."""
        return role_spec(self.role, self.root)

    def contribution(self, kind):
        """The file with what this layer contributes of ``kind``, evaluated by the layer that collects it."""
        return os.path.join(self.root, "roles", self.role, "contributions", kind + ".yml")

    def checker(self):
        if not self.check:
            return None
        module, function = self.check.rsplit(".", 1)
        return getattr(importlib.import_module(MODULE_UTILS + module), function)


@functools.lru_cache(maxsize=None)
def _read_yaml(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def role_spec(role, root=COLLECTION_ROOT):
    """The options of a role's ``spec`` entry point (meta/argument_specs.yml): its section of the platform spec."""
    path = os.path.join(root, "roles", role, "meta", "argument_specs.yml")
    try:
        return _read_yaml(path)["argument_specs"]["spec"]["options"]
    except (OSError, KeyError, TypeError) as error:
        raise RegistryError("%s: the spec entry point must declare the section's options (%s)" % (path, error))


@functools.lru_cache(maxsize=None)
def load(root=COLLECTION_ROOT):
    """The registry: layer name -> Layer, in the order of meta/layers.yml."""
    entries = _read_yaml(os.path.join(root, "meta", "layers.yml"))["layers"]
    registry = dict((name, Layer(name, entry or {}, root)) for name, entry in entries.items())
    for layer in registry.values():
        for other in layer.needs + layer.after:
            if other not in registry:
                raise RegistryError("meta/layers.yml: layer %s names %s, which is not a layer" % (layer.name, other))
        for kind in layer.contributes:
            if not os.path.isfile(layer.contribution(kind)):
                raise RegistryError("meta/layers.yml: layer %s contributes %s, but %s does not exist"
                                    % (layer.name, kind, layer.contribution(kind)))
    return registry


def _step(layer, tasks_from, needs=None):
    return dict(layer=layer.name, role="%s.%s" % (COLLECTION, layer.role), tasks_from=tasks_from,
                needs=list(layer.needs if needs is None else needs))


def plan(registry, present):
    """Order the present layers: every step the converge takes, and the teardown's order.

    First every present layer's verify step checks its section against what the account offers, only
    reading, so nothing is built for a spec AWS would refuse. A layer runs after its needs and after the
    present layers it names in ``after``. Early starts
    run as soon as the layer's needs are built; among the layers ready to build, those that let a
    slow creation start go first, then those that do not wait on one, and only then the waits.
    """
    names = [name for name in registry if name in present]
    ready_after = dict((name, set(registry[name].needs) | (set(registry[name].after) & set(names))) for name in names)
    starters = set(name for name in names if registry[name].start)
    built, started, order = set(), set(), []
    steps = [_step(registry[name], "verify", needs=[]) for name in names if registry[name].verify]

    def unlocks_start(name):
        return any(name in registry[other].needs and other not in started for other in starters)

    while len(order) < len(names):
        for name in names:
            if name in starters and name not in started and set(registry[name].needs) <= built:
                steps.append(_step(registry[name], "start"))
                started.add(name)
        ready = [name for name in names if name not in built and ready_after[name] <= built]
        if not ready:
            raise RegistryError("meta/layers.yml: the layers %s wait on each other" % ", ".join(sorted(set(names) - built)))
        ready.sort(key=lambda name: (not unlocks_start(name), name in starters, names.index(name)))
        name = ready[0]
        steps.append(_step(registry[name], "main"))
        built.add(name)
        order.append(name)
    return dict(
        layers=order,
        verify=[step["layer"] for step in steps if step["tasks_from"] == "verify"],
        start=[step["layer"] for step in steps if step["tasks_from"] == "start"],
        steps=steps,
        teardown=[_step(registry[name], "main") for name in reversed(order)],
        # The absent layers whose role can find what they left by tag (tasks/dropped.yml): a converge removes
        # it (prune), a teardown too.
        dropped=[_step(registry[name], "dropped", needs=[]) for name in registry
                 if name not in present and os.path.isfile(os.path.join(registry[name].root, "roles", registry[name].role, "tasks", "dropped.yml"))],
        # kind -> the present layers contributing it, in build order, each with its contribution file.
        contributions=dict((kind, [dict(layer=name, file=registry[name].contribution(kind))
                                   for name in order if kind in registry[name].contributes])
                           for kind in CONTRIBUTIONS),
    )
