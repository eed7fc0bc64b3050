"""Benchmark of the whole platform on the emulator: `make benchmark` (= PYTHONPATH=tools python -m benchmark).

Without latency (everything settles at once) it runs with the fast path (modules in forks of the warm
interpreter of gameops.platform.warm_local, as the inventories are set) and without it (the connection as
ansible.builtin.local); then with the latency model, 1 s per real minute by default. Each run starts a
fresh emulator and times site.yml, site.yml again, site.yml --check --diff and teardown.yml, and prints
for each: wall time, module invocations (callback_plugins/module_count.py) and the wall time per
invocation, API calls and mutating API calls (the emulator's request log). Beside the latency-model converge it
prints the longest dependency chain of slow creations and their sum, both from the latency model, so
one can see whether the converge follows the chain (creations overlap) or the sum (one after another).
After the table: each phase with and without the fast path side by side, and the module invocations per
role of the no-op converge.

`python -m benchmark overhead` times the second converge (reads only, no waiting: per-task overhead)
under the ansible settings that might cut it (the plain local connection, forks, mitogen when MITOGEN_PATH names an
unpacked mitogen 0.3.x).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from aws_emulator import __main__ as emulator_cli
from aws_emulator import latency, requestlog

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CALLBACKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "callback_plugins")

# Successful creations the latency model slows down: (service, operation) -> latency kind.
SLOW_CREATIONS = {
    ("ec2", "CreateNatGateway"): "ec2.nat_gateway.create",
    ("eks", "CreateCluster"): "eks.cluster.create",
    ("eks", "CreateNodegroup"): "eks.nodegroup.create",
    ("eks", "CreateAddon"): "eks.addon.create",
    ("elasticache", "CreateReplicationGroup"): "elasticache.replication_group.create",
    ("amp", "CreateWorkspace"): "amp.workspace.create",
    ("grafana", "CreateWorkspace"): "grafana.workspace.create",
}
# What must be ready before each slow creation can start (AWS's rules and the EKS role's order:
# vpc-cni before the node groups, which need the NAT gateway's egress to join; the other addons after).
CHAIN = {
    "eks.cluster.create": [],
    "ec2.nat_gateway.create": [],
    "eks.addon.create:before-nodes": ["eks.cluster.create"],
    "eks.nodegroup.create": ["eks.addon.create:before-nodes", "ec2.nat_gateway.create"],
    "eks.addon.create": ["eks.nodegroup.create"],
    "elasticache.replication_group.create": [],
    "amp.workspace.create": [],
    "grafana.workspace.create": [],
}


def free_port():
    import socket  # pylint: disable=import-outside-toplevel

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Emulator:
    """A fresh emulator in a temporary directory."""

    def __init__(self, seconds_per_minute):
        self.state_dir = tempfile.mkdtemp(prefix="gameops-benchmark-")
        self.port = free_port()
        settings = {latency.SCALE_VARIABLE: str(seconds_per_minute)}
        emulator_cli.start("127.0.0.1", self.port, self.state_dir, settings=settings)

    def requests(self):
        return requestlog.read(os.path.join(self.state_dir, "requests.jsonl"))

    def extra_vars(self, enabled=True):
        return {"platform_emulator": {"enabled": enabled, "host": "127.0.0.1", "port": self.port, "state_dir": self.state_dir,
                                      "tools_dir": os.path.join(ROOT, "tools")}}

    def stop(self):
        emulator_cli.stop(self.state_dir)
        shutil.rmtree(self.state_dir, ignore_errors=True)


def run_playbook(emulator, playbook, *options, extra_env=None, enabled=True):
    """Run a playbook; returns a dict of its figures. Fails loudly when the playbook fails."""
    summary_path = os.path.join(emulator.state_dir, "callback.json")
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACK_PLUGINS=CALLBACKS, ANSIBLE_CALLBACKS_ENABLED="module_count", BENCHMARK_CALLBACK_OUT=summary_path,
               **(extra_env or {}))
    mark = len(emulator.requests())
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", "inventories/local",
               "-e", json.dumps(emulator.extra_vars(enabled)), *options]
    began = time.monotonic()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - began
    if result.returncode != 0:
        sys.stderr.write(result.stdout[-4000:] + result.stderr[-2000:])
        raise SystemExit(f"{playbook} {' '.join(options)} failed ({result.returncode})")
    with open(summary_path, encoding="utf-8") as stream:
        summary = json.load(stream)
    calls = emulator.requests()[mark:]
    return {"wall": wall, "invocations": summary["module_invocations"], "calls": len(calls),
            "mutating": sum(1 for call in calls if call["mutating"]), "requests": calls, "slowest": summary["slowest_tasks"],
            "by_role": summary.get("invocations_by_role", {})}


def creations(calls):
    """The slow creations in a run's requests: [latency kind], one per successful create call."""
    return [SLOW_CREATIONS[(call["service"], call["operation"])] for call in calls
            if 200 <= (call["status"] or 0) < 300 and (call["service"], call["operation"]) in SLOW_CREATIONS]


def chain_and_sum(kinds, seconds_per_minute):
    """(longest dependency chain, sum of all) of these creations, in emulator seconds at this scale."""
    minutes = latency.REAL_MINUTES
    present = set(kinds)
    finish = {}

    def done(node):
        if node not in finish:
            kind = node.split(":")[0]
            own = minutes[kind] if kind in present else 0
            finish[node] = own + max([done(before) for before in CHAIN[node]] or [0])
        return finish[node]

    longest = max(done(node) for node in CHAIN)
    return longest * seconds_per_minute, sum(minutes[kind] for kind in kinds) * seconds_per_minute


PHASES = (("converge", "site.yml", ()), ("second converge", "site.yml", ()), ("check mode", "site.yml", ("--check", "--diff")),
          ("teardown", "teardown.yml", ()))


# The inventories run modules through gameops.platform.warm_local; ANSIBLE_WARM_LOCAL=false makes that
# connection behave exactly as ansible.builtin.local, the way without the fast path.
FAST_PATHS = (("warm_local", {}), ("plain local", {"ANSIBLE_WARM_LOCAL": "false"}))


def benchmark(scales):
    """Every phase on a fresh emulator per run: without latency with and without the fast path, then the latency model."""
    rows = []
    runs = [(0, mode, env) for mode, env in FAST_PATHS] + [(scale, FAST_PATHS[0][0], FAST_PATHS[0][1]) for scale in scales if scale]
    for scale, mode, env in runs:
        emulator = Emulator(scale)
        try:
            for phase, playbook, options in PHASES:
                figures = run_playbook(emulator, playbook, *options, extra_env=env, enabled=playbook != "teardown.yml")
                note = ""
                if phase == "converge" and scale:
                    chain, total = chain_and_sum(creations(figures["requests"]), scale)
                    note = f"chain {chain:.0f} s, sum {total:.0f} s"
                rows.append((f"{scale:g} s/min" if scale else "off", mode, phase, figures, note))
                print(f"  {rows[-1][0]:>9} {mode:<11} {phase:<16} {figures['wall']:7.1f} s", file=sys.stderr, flush=True)
        finally:
            emulator.stop()
    print_table(rows)
    print_side_by_side(rows)
    print_by_role(rows)
    return rows


def print_table(rows):
    print("| latency model | modules run by | phase | wall time | module invocations | per invocation | API calls | mutating "
          "| slow creations (latency model) |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |")
    for scale, mode, phase, figures, note in rows:
        per_invocation = figures["wall"] / max(figures["invocations"], 1) * 1000
        print(f"| {scale} | {mode} | {phase} | {figures['wall']:.1f} s | {figures['invocations']} | {per_invocation:.0f} ms | {figures['calls']} | "
              f"{figures['mutating']} | {note} |")


def print_side_by_side(rows):
    """Each phase without latency, fast path on and off in adjacent columns."""
    walls = {(mode, phase): figures for scale, mode, phase, figures, _note in rows if scale == "off"}
    modes = [mode for mode, _env in FAST_PATHS]
    print("\n| phase | " + " | ".join(f"{mode} wall | {mode} per invocation" for mode in modes) + " | invocations | speed-up |")
    print("| --- |" + " ---: | ---: |" * len(modes) + " ---: | ---: |")
    for _phase, _playbook, _options in PHASES:
        cells = [walls.get((mode, _phase)) for mode in modes]
        if None in cells:
            continue
        columns = " | ".join(f"{figures['wall']:.1f} s | {figures['wall'] / max(figures['invocations'], 1) * 1000:.0f} ms" for figures in cells)
        print(f"| {_phase} | {columns} | {cells[0]['invocations']} | {cells[1]['wall'] / cells[0]['wall']:.2f}x |")


def print_by_role(rows):
    """Module invocations per role of the no-op (second) converge, most first: where the per-task cost goes."""
    figures = next((figures for scale, _mode, phase, figures, _note in rows if scale == "off" and phase == "second converge"), None)
    if not figures:
        return
    print("\n| role (no-op converge) | module invocations |")
    print("| --- | ---: |")
    for role, count in sorted(figures["by_role"].items(), key=lambda item: -item[1]):
        print(f"| {role} | {count} |")


VARIANTS = {
    "baseline (warm_local, pipelining)": {},
    "plain local": {"ANSIBLE_WARM_LOCAL": "false"},
    "forks=1": {"ANSIBLE_FORKS": "1"},
    "no callback yaml": {"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
}


def overhead(repeat, names=None):
    """Second-converge wall time under each variant, on one converged emulator (nothing to wait for)."""
    variants = dict(VARIANTS)
    mitogen = os.environ.get("MITOGEN_PATH")
    if mitogen:
        variants["mitogen_linear"] = {"ANSIBLE_STRATEGY_PLUGINS": os.path.join(mitogen, "ansible_mitogen", "plugins", "strategy"),
                                      "ANSIBLE_STRATEGY": "mitogen_linear"}
    variants = {name: env for name, env in variants.items() if not names or name in names}
    emulator = Emulator(0)
    try:
        run_playbook(emulator, "site.yml")
        print("| variant | second converge (each run) | module invocations | per invocation |")
        print("| --- | --- | ---: | ---: |")
        for name, env in variants.items():
            walls, figures = [], None
            for _index in range(repeat):
                figures = run_playbook(emulator, "site.yml", extra_env=env)
                walls.append(figures["wall"])
            best = min(walls)
            print(f"| {name} | {', '.join(f'{wall:.1f} s' for wall in walls)} | {figures['invocations']} | "
                  f"{best / max(figures['invocations'], 1) * 1000:.0f} ms |", flush=True)
        print("\nslowest tasks of the last run:", file=sys.stderr)
        for name, seconds in figures["slowest"]:
            print(f"  {seconds:6.2f} s  {name}", file=sys.stderr)
    finally:
        emulator.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="benchmark", description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["phases", "overhead"], default="phases")
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per real minute of the latency-model pass (0: skip it)")
    parser.add_argument("--repeat", type=int, default=2, help="runs per variant (overhead)")
    parser.add_argument("--variants", help="comma-separated variants to time (overhead); default all")
    args = parser.parse_args(argv)
    if args.what == "overhead":
        overhead(args.repeat, args.variants.split(",") if args.variants else None)
    else:
        benchmark([args.latency] if args.latency else [])
    return 0


if __name__ == "__main__":
    sys.exit(main())
