"""The plan callback, fed synthetic task results as Ansible's strategy hands them to callbacks."""

import json

import pytest

from ansible import context
from ansible.plugins.loader import callback_loader


class Lines:
    """A stand-in for Ansible's Display that keeps what was printed."""

    verbosity = 0

    def __init__(self):
        self.lines = []

    def display(self, msg, **_kwargs):
        self.lines.append(msg)


class Task:
    def __init__(self, action, tags=(), args=None, name="a task"):
        self.action, self.tags, self.args, self.name = action, list(tags), args or {}, name
        self._role = None

    def get_name(self):
        return self.name


class Result:
    def __init__(self, task, result):
        self._task, self._result = task, result
        self._task_fields = {"args": task.args}


LAYERS = ["network", "eks", "cache", "log_storage"]


@pytest.fixture
def plan(monkeypatch, tmp_path):
    """A plan callback in a check run whose preflight planned LAYERS; returns (plugin, lines, json path)."""
    monkeypatch.setattr(context, "CLIARGS", {"check": True})
    lines, path = Lines(), tmp_path / "plan.json"
    plugin = callback_loader.get("gameops.platform.plan", display=lines)
    plugin.set_options(direct={"json_path": str(path), "max_changes": 2})
    plugin.v2_runner_on_ok(Result(Task("gameops.platform.platform_spec"), {"plan": {"layers": LAYERS}}))
    return plugin, lines, path


def ok(plugin, action, layer, result, **args):
    plugin.v2_runner_on_ok(Result(Task(action, tags=[layer], args=args), dict(result, changed=result.get("changed", True))))


def end(plugin, lines, path):
    plugin.v2_playbook_on_stats(None)
    return lines.lines, json.loads(path.read_text())


def test_create_update_destroy_replace_each_a_line_grouped_by_layer_with_totals(plan):
    plugin, lines, path = plan
    ok(plugin, "amazon.aws.ec2_vpc_net", "network", {"diff": {"before": {}, "after": {"cidr": "10.0.0.0/16"}}}, name="queue-vpc")
    ok(plugin, "community.aws.s3_lifecycle", "log_storage",
       {"diff": {"before": {"expiration": {"days": 30}, "id": "logs"}, "after": {"expiration": {"days": 14}, "id": "logs"}}},
       name="queue-infra-local-logs")
    ok(plugin, "gameops.platform.platform_prune", "eks", {"diff": {"before": {"name": "old"}, "after": {}}}, name="old-nodes")
    ok(plugin, "gameops.platform.eks_nodegroup", "eks", {"replaced": True, "diff": {"before": {"a": 1}, "after": {"a": 2}}},
       nodegroup_name="default")
    printed, written = end(plugin, lines, path)
    assert printed[2:] == [
        "network:",
        "  +   network  ec2 vpc net queue-vpc",
        "eks:",
        "  -/+ eks  eks nodegroup default",
        "  -   eks  platform prune old-nodes",
        "log_storage:",
        "  ~   log_storage  s3 lifecycle queue-infra-local-logs  (expiration.days: 30 -> 14)",
        "Plan: 2 to add, 1 to change, 2 to destroy.",
    ]
    assert written["summary"] == {"add": 2, "change": 1, "destroy": 2}
    assert written["resources"][-1] == {"layer": "log_storage", "action": "~", "type": "s3 lifecycle",
                                        "name": "queue-infra-local-logs", "changes": ["expiration.days: 30 -> 14"]}


def test_changed_fields_are_capped_and_unchanged_results_are_left_out(plan):
    plugin, lines, path = plan
    ok(plugin, "amazon.aws.s3_bucket", "log_storage", {"changed": False, "diff": {"before": {"a": 1}, "after": {"a": 1}}}, name="same")
    ok(plugin, "amazon.aws.s3_bucket", "log_storage", {"diff": {"before": {"a": 1, "b": 1, "c": 1}, "after": {"a": 2, "b": 2, "c": 2}}},
       name="logs")
    printed, written = end(plugin, lines, path)
    assert "  ~   log_storage  s3 bucket logs  (a: 1 -> 2, b: 1 -> 2, and 1 more)" in printed
    assert [r["name"] for r in written["resources"]] == ["logs"]
    assert len(written["resources"][0]["changes"]) == 3


def test_no_log_results_show_only_the_name_and_sensitive(plan):
    plugin, lines, path = plan
    censored = {"censored": "the output has been hidden", "changed": True, "_ansible_no_log": True}
    ok(plugin, "gameops.platform.elasticache_replication_group", "cache", censored, replication_group_id="queue-cache",
       auth_token="s3cr3t-token-value")
    # Keys named like secrets never show their values, even in a diff a module returned.
    ok(plugin, "amazon.aws.secretsmanager_secret", "cache",
       {"diff": {"before": {"secret_string": "old-s3cr3t"}, "after": {"secret_string": "new-s3cr3t"}}}, name="queue/auth")
    printed, written = end(plugin, lines, path)
    text = "\n".join(printed) + path.read_text()
    assert "s3cr3t" not in text
    assert "  ~   cache  elasticache replication group queue-cache  ((sensitive))" in printed
    assert "  ~   cache  secretsmanager secret queue/auth  (secret_string: (sensitive) -> (sensitive))" in printed
    assert written["summary"]["change"] == 2


def test_skipped_tasks_creations_of_unbuilt_needs_and_unchecked_modules(plan):
    plugin, lines, path = plan
    needs = {"skipped": True, "false_condition": "query('ansible.builtin.varnames', '^(network)_outputs$') | length == 1"}
    plugin.v2_runner_on_skipped(Result(Task("gameops.platform.eks_cluster", ["eks"], {"name": "queue-infra-local"}), needs))
    # Not a resource: a builtin task, and a task skipped by its own condition.
    plugin.v2_runner_on_skipped(Result(Task("ansible.builtin.set_fact", ["eks"]), needs))
    plugin.v2_runner_on_skipped(Result(Task("amazon.aws.s3_bucket", ["log_storage"], {"name": "x"}),
                                       {"skipped": True, "false_condition": "not ansible_check_mode"}))
    no_check = {"skipped": True, "msg": "remote module (community.aws.s3_lifecycle) does not support check mode"}
    plugin.v2_runner_on_skipped(Result(Task("community.aws.s3_lifecycle", ["log_storage"], {"name": "logs"}), no_check))
    printed, written = end(plugin, lines, path)
    assert printed[2:] == [
        "eks:",
        "  +   eks  eks cluster queue-infra-local",
        "log_storage:",
        "  ?   log_storage  s3 lifecycle logs  (not checked: the module has no check mode)",
        "Plan: 1 to add, 0 to change, 0 to destroy.",
    ]
    assert written["unchecked"] == [{"layer": "log_storage", "action": "?", "type": "s3 lifecycle", "name": "logs", "changes": []}]


def test_planned_resource_facts_and_loop_items_and_names(plan):
    plugin, lines, path = plan
    fact = {"log_storage_plan_resources": [
        {"type": "s3 lifecycle", "name": "logs", "before": {"expiration": {"days": 30}}, "after": {"expiration": {"days": 14}}},
        {"type": "s3 lifecycle", "name": "same", "before": {"a": 1}, "after": {"a": 1}},
    ]}
    ok(plugin, "ansible.builtin.set_fact", "log_storage", {"changed": False, "ansible_facts": fact})
    task = Task("amazon.aws.ec2_vpc_subnet", ["network"], {"cidr": "{{ item.cidr }}"})
    for label in ("app-a", "app-b"):
        plugin.v2_runner_item_on_ok(Result(task, {"changed": True, "_ansible_item_label": label, "diff": {"before": {}, "after": {"x": 1}}}))
    plugin.v2_runner_on_ok(Result(task, {"changed": True, "results": [{}, {}]}))
    # Outside every layer (the lock, the outputs file): not a resource.
    plugin.v2_runner_on_ok(Result(Task("gameops.platform.platform_lock", ["always"], {"platform": "p"}), {"changed": True}))
    long_name = "n" * 80
    ok(plugin, "amazon.aws.iam_role", "eks", {}, name=long_name)
    printed, written = end(plugin, lines, path)
    assert [(r["layer"], r["action"], r["name"]) for r in written["resources"]] == [
        ("network", "+", "app-a"), ("network", "+", "app-b"), ("eks", "+", "n" * 57 + "..."), ("log_storage", "~", "logs")]
    assert printed[-1] == "Plan: 3 to add, 1 to change, 0 to destroy."


def test_silent_outside_check_mode_and_no_changes_said_plainly(monkeypatch, tmp_path):
    monkeypatch.setattr(context, "CLIARGS", {"check": False})
    lines = Lines()
    plugin = callback_loader.get("gameops.platform.plan", display=lines)
    plugin.set_options(direct={"json_path": str(tmp_path / "plan.json")})
    ok(plugin, "amazon.aws.s3_bucket", "log_storage", {"diff": {"before": {}, "after": {"a": 1}}}, name="logs")
    plugin.v2_playbook_on_stats(None)
    assert lines.lines == [] and not (tmp_path / "plan.json").exists()

    monkeypatch.setattr(context, "CLIARGS", {"check": True})
    plugin = callback_loader.get("gameops.platform.plan", display=lines)
    plugin.set_options(direct={})
    plugin.v2_playbook_on_stats(None)
    assert lines.lines == [], "a check run without preflight is not a platform's"
    plugin.v2_runner_on_ok(Result(Task("gameops.platform.platform_spec"), {"plan": {"layers": LAYERS}}))
    plugin.v2_playbook_on_stats(None)
    assert lines.lines[-2:] == ["No changes. The platform matches its spec.", "Plan: 0 to add, 0 to change, 0 to destroy."]


class Role:
    def __init__(self, path):
        self.path = path

    def get_role_path(self):
        return self.path

    def get_name(self, include_role_fqcn=True):
        return "eks"


def test_a_skipped_include_plans_the_modules_its_files_would_run(plan, tmp_path):
    plugin, lines, path = plan
    tasks = tmp_path / "eks" / "tasks"
    tasks.mkdir(parents=True)
    (tasks / "start.yml").write_text(
        "- name: In the region\n  block:\n    - name: Cluster\n      ansible.builtin.include_tasks: cluster.yml\n"
        "    - name: As state present\n      ansible.builtin.include_tasks: '{{ eks_state }}.yml'\n"
        "    - name: Another role\n      ansible.builtin.include_role:\n        name: gameops.platform.apps\n        tasks_from: deploy\n")
    (tasks / "present.yml").write_text("- name: Ensure the addon\n  gameops.platform.eks_addon:\n    addon_name: vpc-cni\n"
                                       "- name: Prune\n  gameops.platform.platform_prune:\n    resource_type: x\n")
    (tmp_path / "apps" / "tasks").mkdir(parents=True)
    (tmp_path / "apps" / "tasks" / "deploy.yml").write_text(
        "- name: Deploy\n  kubernetes.core.k8s:\n    name: queue-api\n"
        "- name: Install the chart - {{ chart.name }}\n  kubernetes.core.helm:\n"
        "    name: '{{ chart.name }}'\n")
    (tasks / "cluster.yml").write_text(
        "- name: Ensure the EKS cluster\n  gameops.platform.eks_cluster:\n    name: '{{ eks_cluster_name }}'\n"
        "- name: Read it\n  amazon.aws.eks_cluster_info:\n    name: x\n"
        "- name: Remember\n  ansible.builtin.set_fact:\n    x: 1\n"
        "- name: Old node group gone\n  gameops.platform.eks_nodegroup:\n    name: old\n    state: absent\n"
        "- name: Ensure the node role\n  amazon.aws.iam_role:\n    name: queue-nodes\n"
        "- name: Wait for the cluster\n  gameops.platform.eks_cluster:\n    name: '{{ eks_cluster_name }}'\n    wait: true\n"
        "- name: Wait for a cluster never started here\n  gameops.platform.eks_nodegroup:\n    name: general\n    wait: true\n")
    task = Task("ansible.builtin.include_tasks", ["eks"], {"_raw_params": "start.yml"})
    task._role = Role(str(tmp_path / "eks"))
    needs = {"skipped": True, "false_condition": "query('ansible.builtin.varnames', '^(network)_outputs$') | length == 1"}
    plugin.v2_runner_on_skipped(Result(task, needs))
    printed, written = end(plugin, lines, path)
    assert [(r["action"], r["type"], r["name"]) for r in written["resources"]] == [
        ("+", "eks addon", "vpc-cni"), ("+", "eks cluster", "Ensure the EKS cluster"), ("+", "eks nodegroup", "general"),
        ("+", "helm", "Install the chart"), ("+", "iam role", "queue-nodes"), ("+", "k8s", "queue-api")]
    assert printed[-1] == "Plan: 6 to add, 0 to change, 0 to destroy."


def test_changes_without_a_diff_are_creations_in_layers_never_built(monkeypatch, tmp_path):
    monkeypatch.setattr(context, "CLIARGS", {"check": True})
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"layers": {"network": {"vpc_id": "vpc-1"}}}))
    lines = Lines()
    plugin = callback_loader.get("gameops.platform.plan", display=lines)
    plugin.set_options(direct={"json_path": str(tmp_path / "plan.json")})
    plugin.v2_runner_on_ok(Result(Task("gameops.platform.platform_spec", args={"outputs_file": str(outputs)}),
                                  {"plan": {"layers": LAYERS}}))
    ok(plugin, "amazon.aws.ec2_vpc_net", "network", {}, name="queue-vpc")
    ok(plugin, "amazon.aws.route53_zone", "eks", {}, zone="local.example.com")
    _printed, written = end(plugin, lines, tmp_path / "plan.json")
    assert [(r["layer"], r["action"]) for r in written["resources"]] == [("network", "~"), ("eks", "+")]


def test_a_dropped_layer_s_removals_are_listed_after_the_present_layers(monkeypatch, tmp_path):
    monkeypatch.setattr(context, "CLIARGS", {"check": True})
    lines = Lines()
    plugin = callback_loader.get("gameops.platform.plan", display=lines)
    plugin.set_options(direct={"json_path": str(tmp_path / "plan.json")})
    plan = {"layers": ["network", "dns"], "dropped": [{"layer": "mail", "role": "gameops.platform.mail", "tasks_from": "dropped"}]}
    plugin.v2_runner_on_ok(Result(Task("gameops.platform.platform_spec"), {"plan": plan}))
    ok(plugin, "gameops.platform.ses_email_identity", "mail",
       {"diff": {"before": {"domain": "mail.example.com", "tags": {}}, "after": {}}}, domain="mail.example.com")
    printed, written = end(plugin, lines, tmp_path / "plan.json")
    assert printed[2:] == ["mail:", "  -   mail  ses email identity mail.example.com", "Plan: 0 to add, 0 to change, 1 to destroy."]
    assert written["summary"] == {"add": 0, "change": 0, "destroy": 1}
