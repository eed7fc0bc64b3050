"""Changelog fragment check (make test): a change to plugins/ or roles/ comes with a fragment, and every
fragment is valid for antsibull-changelog.

    python tools/changelog_fragments.py [--base REV] [--head REV]

The range is BASE..HEAD, by default the last commit against its parent (HEAD~1..HEAD), which is what a CI
job on a fresh clone has: clone with a depth of at least 2 (actions/checkout: fetch-depth: 2). For a pull
request pass its merge base, e.g. --base origin/main. A first commit is compared with the empty tree.
"""

import argparse
import os
import subprocess
import sys

import yaml

# antsibull-changelog's sections; release_summary is the prelude (changelogs/config.yaml), a plain string.
SECTIONS = {"major_changes", "minor_changes", "breaking_changes", "deprecated_features", "removed_features",
            "security_fixes", "bugfixes", "known_issues", "trivial"}
PRELUDE = "release_summary"
USER_VISIBLE = ("plugins/", "roles/")
FRAGMENTS = "changelogs/fragments/"
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True, text=True).stdout


def resolve_base(repo, base, head):
    if base is not None:
        return base
    parent = subprocess.run(["git", "-C", repo, "rev-parse", "--verify", "--quiet", head + "~1"], capture_output=True, text=True, check=False)
    return parent.stdout.strip() if parent.returncode == 0 else EMPTY_TREE


def range_problems(repo, base, head):
    """A change to plugins/ or roles/ in BASE..HEAD without a fragment added in the same range."""
    changed = git(repo, "diff", "--name-only", "--no-renames", base, head).split()
    visible = [path for path in changed if path.startswith(USER_VISIBLE)]
    added = git(repo, "diff", "--name-only", "--no-renames", "--diff-filter=A", base, head).split()
    fragments = [path for path in added if path.startswith(FRAGMENTS) and path.endswith((".yml", ".yaml"))]
    if visible and not fragments:
        more = " and %d more" % (len(visible) - 5) if len(visible) > 5 else ""
        return ["%s..%s changes %s%s without adding a fragment in %s" % (base[:12], head, ", ".join(visible[:5]), more, FRAGMENTS)]
    return []


def fragment_problems(path):
    """What antsibull-changelog would refuse in one fragment file."""
    name = os.path.basename(path)
    try:
        with open(path, encoding="utf-8") as stream:
            content = yaml.safe_load(stream)
    except yaml.YAMLError as error:
        return ["%s: not YAML: %s" % (name, str(error).splitlines()[0])]
    if not isinstance(content, dict) or not content:
        return ["%s: must be a mapping of sections to lists of entries" % name]
    problems = []
    for section, entries in content.items():
        if section == PRELUDE:
            if not isinstance(entries, str) or not entries.strip():
                problems.append("%s: %s must be a non-empty string" % (name, PRELUDE))
        elif section not in SECTIONS:
            problems.append("%s: unknown section %r (one of %s)" % (name, section, ", ".join(sorted(SECTIONS))))
        elif not isinstance(entries, list) or not entries:
            problems.append("%s: %s must be a non-empty list of entries" % (name, section))
        elif not all(isinstance(entry, str) and entry.strip() for entry in entries):
            problems.append("%s: every entry of %s must be a non-empty string" % (name, section))
    return problems


def check(repo, base=None, head="HEAD"):
    problems = range_problems(repo, resolve_base(repo, base, head), head)
    directory = os.path.join(repo, FRAGMENTS)
    for name in sorted(os.listdir(directory)) if os.path.isdir(directory) else []:
        if name.endswith((".yml", ".yaml")):
            problems += fragment_problems(os.path.join(directory, name))
        elif not name.startswith("."):
            problems.append("%s: fragments end in .yml or .yaml" % name)
    return problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="compare from this revision (default: HEAD's parent)")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--repo", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    args = parser.parse_args(argv)
    problems = check(args.repo, args.base, args.head)
    for problem in problems:
        print("changelog: " + problem, file=sys.stderr)
    if not problems:
        print("changelog: fragments valid; %s..%s needs none or adds one" % (args.base or args.head + "~1", args.head))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
