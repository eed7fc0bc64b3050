"""Writes policies/deployer/<layer>.json: the IAM actions a converge and a teardown of each layer use.

    PYTHONPATH=tools .venv/bin/python -m deployer_policy                 # run, then write the documents
    PYTHONPATH=tools .venv/bin/python -m deployer_policy --from DIR      # from a run's state dir
    ... --platform-id queue-infra-prod --out DIR                         # documents for one platform

A run is site.yml then teardown.yml of inventories/local on a fresh emulator of its own, with the
layer_marks callback noting where each layer's tasks start; each request of the emulator's log belongs
to the task running when it came (one host, linear strategy). `platform` holds the playbooks' own calls
(teardown's check that nothing tagged is left), needed with any layer.
"""

import argparse
import bisect
import json
import os
import sys
import tempfile

from aws_emulator import requestlog
from deployer_policy import actions as iam_actions
from deployer_policy import documents
from deployer_policy.run import ROOT, converge_and_teardown

OUT = os.path.join(ROOT, "policies", "deployer")
PLATFORM = "platform"


def used_actions(log, marks):
    """{layer: set of IAM actions} of a run's request log, each request given to the task running then."""
    times = [mark["time"] for mark in marks]
    used = {}
    for entry in log:
        action = iam_actions.iam_action(entry["service"], entry["operation"])
        if action is None:
            continue
        index = bisect.bisect_right(times, entry["time"]) - 1
        layer = marks[index]["layer"] if index >= 0 else None
        used.setdefault(layer or PLATFORM, set()).add(action)
    return used


def write(used, out, platform_id):
    unknown = iam_actions.unknown(set().union(*used.values()))
    if unknown:
        sys.exit("not in the Service Authorization Reference (add them to deployer_policy/actions.py "
                 "OPERATION_ACTIONS): %s" % ", ".join(unknown))
    os.makedirs(out, exist_ok=True)
    for layer, layer_actions in sorted(used.items()):
        with open(os.path.join(out, layer + ".json"), "w", encoding="utf-8") as handle:
            handle.write(json.dumps(documents.document(layer, layer_actions, platform_id), indent=2) + "\n")
    print("wrote %s: %s" % (out, ", ".join("%s (%d actions)" % (layer, len(acts)) for layer, acts in sorted(used.items()))))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m deployer_policy", description=__doc__.split("\n", 1)[0])
    parser.add_argument("--from", dest="state_dir", help="a run's state dir (requests.jsonl, layer_marks.jsonl) instead of a new run")
    parser.add_argument("--out", default=OUT)
    parser.add_argument("--platform-id", default=documents.PLATFORM_VARIABLE,
                        help="the platform id in ARNs (default: the deployer's gameops:platform principal tag)")
    args = parser.parse_args(argv)
    if args.state_dir:
        log = requestlog.read(os.path.join(args.state_dir, "requests.jsonl"))
        marks = requestlog.read(os.path.join(args.state_dir, "layer_marks.jsonl"))
    else:
        state_dir = tempfile.mkdtemp(prefix="deployer-policy-")
        log, marks = converge_and_teardown(state_dir)
        print("the run's request log and task marks: %s (reuse with --from)" % state_dir)
    write(used_actions(log, marks), args.out, args.platform_id)


if __name__ == "__main__":
    main()
