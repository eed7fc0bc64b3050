# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: plan
type: aggregate
short_description: A Terraform-style plan at the end of a C(--check) run
version_added: 0.3.0
description:
  - >-
    Under C(--check) (best with C(--diff), without which modules return no before and after), the run ends
    with one line per resource, grouped by layer, and a total line
    C(Plan: N to add, M to change, K to destroy.). Outside check mode, and in runs with no preflight
    (gameops.platform.platform_spec), the callback prints nothing.
  - >-
    A resource is a changed task result (each item of a loop on its own) of a task in a layer: the layer is
    the tag playbooks/site.yml and playbooks/teardown.yml apply to a layer's tasks, or else the role's name.
    Tasks outside a layer (preflight, the lock, the outputs file) are not resources. The layers the spec no
    longer has (their C(dropped) step, which removes what they left) are listed after the others.
  - >-
    Its action comes from the result. C(-/+) replace when the result has a true C(replaced) or C(replace)
    key, or its diff a true C(replace) key. Otherwise from the diff's C(before) and C(after): C(before)
    empty or absent (or a C(state) of C(absent)) is C(+) create, C(after) empty or absent is C(-) destroy, both present is C(~) update
    with the keys that differ, nested keys flattened to dotted paths (C(expiration.days: 30 -> 14)), at
    most O(max_changes) shown. A changed result without a diff (or with no field that differs) is C(+) when
    its layer is not in the outputs file preflight was given (never built), else C(~) with no fields.
  - >-
    Its type is the module's short name with spaces for underscores (C(s3 lifecycle)); its name the first of
    the task's C(name), C(cluster_name), C(bucket), ... arguments, else the loop item's label, else the
    result's C(name), else the task's name; names longer than 60 characters are cut.
  - >-
    A task skipped because its layer's needs published nothing yet (check mode on a fresh account: the
    condition site.yml applies to each step) is a C(+) create of what its module builds, so every layer
    shows its creations; a skipped C(include_tasks) of a plain file name is read from the role's tasks
    directory as written (templated file names as for C(state=present): C({{ x_state }}.yml) is
    C(present.yml); the collection's roles it includes are followed too), and each module task in it (not
    builtin, not C(_info), prune or lock, not C(state: absent), not a C(wait: true) of a module an earlier task
    of the file already creates with) is a C(+), named from its arguments, templated where the role's defaults
    and vars, an include's vars and the spec preflight normalized are enough (each item of a loop its own C(+);
    never a lookup), else by its task name. A task skipped because its module has no check mode is listed with C(?) and not
    counted; roles read such resources themselves in check mode.
  - >-
    A role adds what a module cannot plan by setting a fact C(<role>_plan_resources) (in check mode
    only), a list of C(type), C(name), C(before), C(after) and optionally C(replace), classified as
    above.
  - >-
    Secrets never show: a result hidden by C(no_log) (or censored) shows only its type and name, as C(~)
    with C((sensitive)), and no value of a changed field is printed for keys marked sensitive by their name
    (token, password, secret).
  - >-
    The same plan is written as JSON when O(json_path) is set, for CI to post on pull requests:
    C({"resources":[{"layer","action","type","name","changes"}],"summary":{"add","change","destroy"}}),
    and C(unchecked), the C(?) entries in the same shape.
requirements:
  - enable in C(callbacks_enabled) (ansible.cfg) or C(ANSIBLE_CALLBACKS_ENABLED), as C(gameops.platform.plan)
options:
  json_path:
    description: A file the plan is also written to as JSON; none when empty.
    type: path
    env:
      - name: GAMEOPS_PLAN_JSON
    ini:
      - section: gameops_plan
        key: json_path
  max_changes:
    description: The most changed fields shown on an update line; the rest are counted.
    type: int
    default: 5
    env:
      - name: GAMEOPS_PLAN_MAX_CHANGES
    ini:
      - section: gameops_plan
        key: max_changes
"""

import json
import os
import re

import yaml

from ansible import context
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.callback import CallbackBase
from ansible.template import Templar, trust_as_template

# Task arguments that name what a module manages, most specific first.
NAME_KEYS = ("name", "cluster_name", "bucket", "replication_group_id", "repository_name", "workspace_alias",
             "alias", "role_name", "domain_name", "domain", "zone", "record", "nodegroup_name", "addon_name",
             "secret_name", "key", "namespace", "dest", "path", "id")
# Skipped by the condition site.yml applies to a step whose needs published nothing (playbooks/site.yml).
NEEDS_CONDITION = "ansible.builtin.varnames"
NO_CHECK_MODE = "does not support check mode"
PLAN_FACT_SUFFIX = "_plan_resources"  # <role>_plan_resources, as ansible-lint wants role variables named
SENSITIVE_WORDS = ("token", "password", "secret", "private_key")
NAME_LIMIT = 60
ACTIONS = ("+", "~", "-", "-/+")
ROLE_INCLUDE_ACTIONS = ("ansible.builtin.include_role", "ansible.builtin.import_role", "include_role", "import_role")
# Modules that read, or remove what the spec dropped (nothing on a fresh account), or hold the run's lock.
PLANLESS = re.compile(r"_info$|prune|_lock$")
INCLUDE_ACTIONS = ("ansible.builtin.include_tasks", "ansible.builtin.import_tasks", "include_tasks", "import_tasks")
TASK_KEYWORDS = ("name", "when", "vars", "register", "loop", "loop_control", "tags", "no_log", "changed_when",
                 "failed_when", "until", "retries", "delay", "notify", "environment", "module_defaults", "become",
                 "check_mode", "diff", "ignore_errors", "delegate_to", "run_once", "args", "async", "poll", "listen")


def is_empty(value):
    # ansible.builtin.file's diff of what does not exist yet is {"path": ..., "state": "absent"}.
    if isinstance(value, dict) and value.get("state") == "absent":
        return True
    return value is None or value == {} or value == [] or value == ""


def flatten(value, prefix=""):
    """Nested dicts as {dotted.path: leaf}; lists and scalars are leaves."""
    if not isinstance(value, dict):
        return {prefix: value} if prefix else {"": value}
    if not value and prefix:
        return {prefix: value}
    flat = {}
    for key in value:
        flat.update(flatten(value[key], "%s.%s" % (prefix, key) if prefix else str(key)))
    return flat


def shown(key, value):
    if any(word in key.lower() for word in SENSITIVE_WORDS):
        return "(sensitive)"
    return json.dumps(value, sort_keys=True, default=str) if isinstance(value, (dict, list)) else str(value)


def changed_fields(before, after):
    """`key: old -> new` for each dotted key whose value differs, sorted."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return ["content"] if before != after else []
    old, new = flatten(before), flatten(after)
    fields = []
    for key in sorted(set(old) | set(new)):
        if old.get(key) != new.get(key):
            fields.append("%s: %s -> %s" % (key, shown(key, old.get(key)), shown(key, new.get(key))))
    return fields


def classify(result):
    """(action, changes) of a changed module result."""
    diffs = result.get("diff")
    diffs = [diffs] if isinstance(diffs, dict) else [d for d in diffs or [] if isinstance(d, dict)]
    if result.get("replaced") or result.get("replace") or any(d.get("replace") for d in diffs):
        return "-/+", []
    diffs = [d for d in diffs if "before" in d or "after" in d]
    if not diffs:
        return "~", []
    befores = [d.get("before") for d in diffs]
    afters = [d.get("after") for d in diffs]
    if all(is_empty(b) for b in befores):
        return "+", []
    if all(is_empty(a) for a in afters):
        return "-", []
    changes = []
    for diff in diffs:
        changes.extend(changed_fields(diff.get("before"), diff.get("after")))
    return "~", changes


def short(name):
    name = " ".join(str(name).split())
    return name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 3] + "..."


def resource_name(args, result, task_name):
    for key in NAME_KEYS:
        value = args.get(key)
        if isinstance(value, str) and value and "{{" not in value:
            return short(value)
    label = result.get("_ansible_item_label")
    if label is not None and not isinstance(label, (dict, list)):
        return short(label)
    if isinstance(result.get("name"), str) and result["name"]:
        return short(result["name"])
    # A task name read from its file still has its templates: they are left out, as nothing resolves them here.
    return short(re.sub(r"\s*-?\s*{{.*?(}}|$)", "", str(task_name)).strip() or task_name)


def module_of(task):
    """(action, args) of a task as written in a tasks file."""
    for key, value in task.items():
        if key not in TASK_KEYWORDS and key not in ("block", "rescue", "always"):
            return key, value if isinstance(value, dict) else {"_raw_params": value}
    return None, {}


def trusted(value):
    """A role file's strings trusted as templates, as Ansible trusts the role's own files."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return dict((key, trusted(item)) for key, item in value.items())
    if isinstance(value, list):
        return [trusted(item) for item in value]
    return value


def role_variables(role_dir, preflight, inherited=None, overrides=None):
    """What a role's tasks see, near enough to name resources: what the including role saw, the role's defaults
    and vars (its own files' strings trusted as templates), the include's vars, and preflight's result."""
    variables = dict(inherited or {})
    for name in ("defaults", "vars"):
        try:
            with open(os.path.join(role_dir, name, "main.yml"), encoding="utf-8") as handle:
                variables.update(trusted(yaml.safe_load(handle) or {}))
        except (OSError, yaml.YAMLError, AttributeError, ValueError):
            continue
    variables.update(overrides or {})
    variables["preflight"] = preflight or {}
    return variables


def resolver(variables):
    """A function templating a string of a role's tasks with these variables, or giving None when they are not
    enough (an output of a layer not built yet)."""

    def resolve(value, local=None):
        if isinstance(value, str) and re.search(r"\b(lookup|query|q)\s*\(", value):
            return None  # a name is never worth a lookup's call (to AWS, to a vault) from the plan
        try:
            resolved = Templar(loader=DataLoader(), variables=dict(variables, **(local or {}))).template(trusted(value))
        except Exception:  # pylint: disable=broad-except  # whatever fails to template, the task's name is used
            return None
        return None if isinstance(resolved, str) and "{{" in resolved else resolved

    return resolve


def include_vars(task):
    return trusted(task["vars"]) if isinstance(task.get("vars"), dict) else {}


def resolved_names(task, args, resolve):
    """The names a module task's templated name argument takes, one per loop item; [] when they do not resolve."""
    key = next((key for key in NAME_KEYS if isinstance(args.get(key), str) and "{{" in args[key]), None)
    if key is None or resolve is None:
        return []
    local = include_vars(task)
    if "loop" not in task:
        name = resolve(args[key], local)
        return [short(name)] if isinstance(name, str) and name else []
    items = resolve(task["loop"]) if isinstance(task["loop"], str) else task["loop"]
    if not isinstance(items, list):
        return []
    loop_var = (task.get("loop_control") or {}).get("loop_var", "item")
    names = [resolve(args[key], dict(local, **{loop_var: item})) for item in items]
    return [short(name) for name in names] if all(isinstance(name, str) and name for name in names) else []


def planned_creations(directory, filename, seen=None, preflight=None, inherited=None, overrides=None, same_role=False):
    """(type, name) of the non-builtin module tasks of a role's tasks file and the files it includes by a plain
    name, read as written: what a step skipped for want of its needs would create. Templated names are resolved
    from the role's defaults and preflight's result when they can be (each loop item a resource), else the
    task's name is used; templated includes are not followed."""
    seen = set() if seen is None else seen
    # A file of the same role sees what its includer saw (its role's files already read) and the include's vars.
    if preflight is None:
        variables = None
    elif same_role:
        variables = dict(inherited or {}, **(overrides or {}))
    else:
        variables = role_variables(os.path.dirname(directory), preflight, inherited, overrides)
    resolve = resolver(variables) if variables is not None else None
    path = os.path.join(directory, re.sub(r"{{.*?}}", "present", filename))
    if path in seen or "{{" in path or not os.path.isfile(path):
        return []
    seen.add(path)
    with open(path, encoding="utf-8") as handle:
        tasks = yaml.safe_load(handle) or []
    creations = []

    def walk(entries):
        for task in entries or []:
            if not isinstance(task, dict):
                continue
            if "block" in task:
                walk(task["block"])
                continue
            action, args = module_of(task)
            if action in INCLUDE_ACTIONS:
                included = args.get("_raw_params") or args.get("file") or ""
                creations.extend(planned_creations(directory, str(included), seen, preflight, variables, include_vars(task), same_role=True))
            elif action in ROLE_INCLUDE_ACTIONS and str(args.get("name", "")).startswith("gameops.platform."):
                role_tasks = os.path.join(os.path.dirname(os.path.dirname(directory)), args["name"].split(".")[-1], "tasks")
                creations.extend(planned_creations(role_tasks, str(args.get("tasks_from", "main")) + ".yml", seen, preflight,
                                                   variables, include_vars(task)))
            elif action and "." in action and not action.startswith("ansible.builtin.") and not PLANLESS.search(action):
                kind = action.split(".")[-1].replace("_", " ")
                # A task that waits for what an earlier task of the same module started is no second resource.
                waits = args.get("wait") is True and any(planned == kind for planned, _name in creations)
                if str(args.get("state", "present")) != "absent" and not waits:
                    names = resolved_names(task, args, resolve) or [resource_name(args, {}, task.get("name", action))]
                    creations.extend((kind, name) for name in names)

    walk(tasks)
    return creations


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "gameops.platform.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super().__init__(display=display)
        self.resources = []
        self.unchecked = []
        self.layers = None  # in the order preflight planned them, once it has
        self.built = set()  # layers in the outputs file: built by an earlier run
        self.preflight = None  # preflight's result (the normalized spec, the plan), to resolve templated names
        self.check_mode = bool(context.CLIARGS.get("check"))

    def set_options(self, task_keys=None, var_options=None, direct=None):
        super().set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        self.max_changes = int(self.get_option("max_changes"))

    # --- where a result belongs

    def layer_of(self, task):
        if self.layers is None:
            return None
        for tag in task.tags or []:
            if tag in self.layers:
                return tag
        role = getattr(task, "_role", None)
        name = role.get_name(include_role_fqcn=False) if role else None
        return name if name in self.layers else None

    @staticmethod
    def built_layers(outputs_file):
        try:
            with open(outputs_file, encoding="utf-8") as handle:
                return set(json.load(handle).get("layers", {}))
        except (TypeError, OSError, ValueError, AttributeError):
            return set()

    def add(self, layer, action, kind, name, changes=()):
        self.resources.append({"layer": layer, "action": action, "type": kind, "name": name, "changes": list(changes)})

    def record(self, result, item=False):
        task, outcome = result._task, result._result
        if task.action in ("gameops.platform.platform_spec", "platform_spec"):
            plan = outcome.get("plan", {})
            # The layers the spec no longer has come last: what their dropped step removes is a - in the plan.
            dropped = [step.get("layer") for step in plan.get("dropped", []) if isinstance(step, dict)]
            self.layers = list(plan.get("layers", [])) + [layer for layer in dropped if layer not in plan.get("layers", [])]
            self.preflight = dict(platform=outcome.get("platform") or {}, plan=plan)
            self.built = self.built_layers((getattr(result, "_task_fields", None) or {}).get("args", {}).get("outputs_file"))
            return
        if not item and "results" in outcome:
            return  # a loop: each item was recorded on its own
        layer = self.layer_of(task)
        if layer is None:
            return
        facts = outcome.get("ansible_facts") or {}
        planned = [facts[key] for key in sorted(facts) if str(key).endswith(PLAN_FACT_SUFFIX)]
        if planned:
            for entries in planned:
                self.record_planned(layer, entries)
            return
        if not outcome.get("changed"):
            return
        args = (getattr(result, "_task_fields", None) or {}).get("args") or task.args or {}
        kind = task.action.split(".")[-1].replace("_", " ")
        name = resource_name(args, outcome, task.get_name())
        if outcome.get("_ansible_no_log") or "censored" in outcome:
            self.add(layer, "~", kind, name, ["(sensitive)"])
            return
        action, changes = classify(outcome)
        if action == "~" and not changes and layer not in self.built:
            action = "+"  # no diff to tell, but the layer was never built: a creation
        self.add(layer, action, kind, name, changes)

    def record_planned(self, layer, planned):
        for entry in planned if isinstance(planned, list) else [planned]:
            action, changes = classify({"diff": {"before": entry.get("before"), "after": entry.get("after")},
                                        "replace": entry.get("replace")})
            if action == "~" and not changes:
                continue  # read and found as wanted
            self.add(layer, action, str(entry.get("type", "resource")), short(entry.get("name", "")), changes)

    def record_skipped(self, result):
        task, outcome = result._task, result._result
        layer = self.layer_of(task)
        if layer is None:
            return
        if task.action in INCLUDE_ACTIONS and NEEDS_CONDITION in str(result._result.get("false_condition", "")):
            role = getattr(task, "_role", None)
            included = task.args.get("_raw_params") or task.args.get("file") or ""
            if role is not None:
                for kind, name in planned_creations(os.path.join(role.get_role_path(), "tasks"), str(included), preflight=self.preflight):
                    self.add(layer, "+", kind, name)
            return
        if task.action.startswith("ansible.builtin.") or "." not in task.action:
            return
        args = (getattr(result, "_task_fields", None) or {}).get("args") or task.args or {}
        kind = task.action.split(".")[-1].replace("_", " ")
        name = resource_name(args, outcome, task.get_name())
        if NO_CHECK_MODE in str(outcome.get("msg", "")):
            self.unchecked.append({"layer": layer, "action": "?", "type": kind, "name": name, "changes": []})
        elif NEEDS_CONDITION in str(outcome.get("false_condition", "")):
            self.add(layer, "+", kind, name)

    # --- Ansible's events

    def v2_runner_on_ok(self, result):
        if self.check_mode:
            self.record(result)

    def v2_runner_item_on_ok(self, result):
        if self.check_mode:
            self.record(result, item=True)

    def v2_runner_on_skipped(self, result):
        if self.check_mode and "results" not in result._result:
            self.record_skipped(result)

    def v2_runner_item_on_skipped(self, result):
        if self.check_mode:
            self.record_skipped(result)

    def v2_playbook_on_stats(self, stats):
        if not self.check_mode or self.layers is None:
            return  # not a check run of a platform (no preflight)
        plan = self.plan()
        for line in self.lines(plan):
            self._display.display(line)
        path = self.get_option("json_path")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(plan, handle, indent=2, sort_keys=True)
                handle.write("\n")

    # --- the plan

    def plan(self):
        order = self.layers.index
        resources = sorted(self.resources, key=lambda r: (order(r["layer"]), r["type"], r["name"], ACTIONS.index(r["action"])))
        unique = []
        for resource in resources:
            if not unique or unique[-1] != resource:
                unique.append(resource)
        summary = {"add": 0, "change": 0, "destroy": 0}
        for resource in unique:
            action = resource["action"]
            summary["add"] += action in ("+", "-/+")
            summary["change"] += action == "~"
            summary["destroy"] += action in ("-", "-/+")
        return {"resources": unique, "unchecked": self.unchecked, "summary": summary}

    def lines(self, plan):
        lines = ["", "PLAN " + "*" * 70]
        listed = set(r["layer"] for r in plan["resources"] + plan["unchecked"])
        layers = [layer for layer in self.layers if layer in listed]
        for layer in layers:
            lines.append("%s:" % layer)
            for resource in [r for r in plan["resources"] + plan["unchecked"] if r["layer"] == layer]:
                line = "  %-3s %s  %s %s" % (resource["action"], layer, resource["type"], resource["name"])
                changes = resource["changes"]
                if changes:
                    more = len(changes) - self.max_changes
                    text = ", ".join(changes[:self.max_changes]) + (", and %d more" % more if more > 0 else "")
                    line += "  (%s)" % text
                if resource["action"] == "?":
                    line += "  (not checked: the module has no check mode)"
                lines.append(line)
        if not layers:
            lines.append("No changes. The platform matches its spec.")
        summary = plan["summary"]
        lines.append("Plan: %d to add, %d to change, %d to destroy." % (summary["add"], summary["change"], summary["destroy"]))
        return lines
