"""The plan callback names what a layer not built yet would create from its role's defaults and the spec.

Templating a role's strings needs Ansible's controller (its templar), so this is not a plugin unit test
(tests/unit/plugins/ runs under ansible-test units too).
"""

from ansible_collections.gameops.platform.plugins.callback.plan import planned_creations

DEFAULTS = """---
games_spec: "{{ preflight.platform.games }}"
games_cluster_name: "{{ preflight.platform.id }}"
"""
VARS = """---
games_bucket: "{{ games_cluster_name }}-saves"
"""
TASKS = """---
- name: Ensure the cluster
  gameops.platform.eks_cluster:
    name: "{{ games_cluster_name }}"
- name: Ensure each node group
  gameops.platform.eks_nodegroup:
    cluster_name: "{{ games_cluster_name }}"
    name: "{{ group.name }}"
  loop: "{{ games_spec.node_groups }}"
  loop_control:
    loop_var: group
- name: Wait for the node groups
  gameops.platform.eks_nodegroup:
    name: "{{ group.name }}"
    wait: true
  loop: "{{ games_spec.node_groups }}"
  loop_control:
    loop_var: group
- name: Ensure the saves bucket
  amazon.aws.s3_bucket:
    name: "{{ games_bucket }}"
- name: Ensure the stack
  ansible.builtin.include_role:
    name: gameops.platform.stack
  vars:
    stack_platform_id: "{{ games_cluster_name }}"
- name: Ensure the subnet group - {{ games_network.vpc_id }}
  gameops.platform.elasticache_subnet_group:
    name: "{{ games_network.vpc_id }}-cache"
"""
PREFLIGHT = {"platform": {"id": "queue-prod", "games": {"node_groups": [{"name": "general"}, {"name": "batch"}]}}, "plan": {}}


STACK_DEFAULTS = """---
stack_platform_id: ""
stack_secret: "{{ stack_platform_id }}/monitoring/admin"
"""
STACK_TASKS = """---
- name: Ensure the stack is present
  ansible.builtin.include_tasks: present.yml
"""
STACK_PRESENT = """---
- name: Ensure the admin secret
  amazon.aws.secretsmanager_secret:
    name: "{{ stack_secret }}"
"""


def role(tmp_path):
    for name, folder, text in (("games", "defaults", DEFAULTS), ("games", "vars", VARS), ("games", "tasks", TASKS),
                               ("stack", "defaults", STACK_DEFAULTS), ("stack", "tasks", STACK_TASKS)):
        (tmp_path / name / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / name / folder / "main.yml").write_text(text)
    (tmp_path / "stack" / "tasks" / "present.yml").write_text(STACK_PRESENT)
    return str(tmp_path / "games" / "tasks")


def test_templated_names_resolve_from_the_role_defaults_and_the_spec_each_loop_item_a_resource(tmp_path):
    assert planned_creations(role(tmp_path), "main.yml", preflight=PREFLIGHT) == [
        ("eks cluster", "queue-prod"), ("eks nodegroup", "general"), ("eks nodegroup", "batch"),
        ("s3 bucket", "queue-prod-saves"),
        # An included role sees the include's vars over its own defaults, in the files it includes too.
        ("secretsmanager secret", "queue-prod/monitoring/admin"),
        # An output of a layer not built yet: nothing resolves it, the task's name stands.
        ("elasticache subnet group", "Ensure the subnet group")]


def test_without_preflight_the_task_names_stand(tmp_path):
    assert [name for _kind, name in planned_creations(role(tmp_path), "main.yml")] == [
        "Ensure the cluster", "Ensure each node group", "Ensure the saves bucket", "Ensure the admin secret", "Ensure the subnet group"]
