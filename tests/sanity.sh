#!/usr/bin/env bash
# Runs `ansible-test sanity` on the collection, fully offline (or `ansible-test units`: tests/units.sh).
#
# ansible-test only works on a collection that really lies at .../ansible_collections/NAMESPACE/NAME
# (it resolves symlinks), so the project's files (tracked, plus untracked ones git does not ignore)
# are copied to tests/output/sanity-tree/ansible_collections/gameops/platform, and the collections
# this one depends on (galaxy.yml) are linked in beside it from the virtualenv's site-packages.
#
# ansible-test bootstraps pip into its sanity virtualenvs with a get-pip.py script it downloads from
# a host that cannot be reached here; tests/sanity/get_pip_offline.py stands in for it.
#
# Extra arguments are passed on to ansible-test, e.g. `tests/sanity.sh --test pep8`.
set -euo pipefail

python_version="${SANITY_PYTHON_VERSION:-3.11}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# SANITY_TREE lets parallel runs (one per working copy or helper) use trees of their own.
tree="${SANITY_TREE:-${repo}/tests/output/sanity-tree}"

ansible_test="$(command -v ansible-test || true)"
if [[ -z "${ansible_test}" && -x "${repo}/.venv/bin/ansible-test" ]]; then
    ansible_test="${repo}/.venv/bin/ansible-test"
fi
if [[ -z "${ansible_test}" ]]; then
    echo "sanity.sh: ansible-test not found; run 'make setup' and put .venv/bin first on PATH" >&2
    exit 1
fi
# The interpreter ansible-test runs with knows where ansible-core and the bundled collections are.
controller_python="$(sed -n '1s/^#![[:space:]]*//p' "${ansible_test}")"
if [[ ! -x "${controller_python}" ]]; then
    controller_python="$(dirname "${ansible_test}")/python3"
fi

read -r namespace name < <(
    "${controller_python}" - "${repo}/galaxy.yml" <<'PY'
import sys
import yaml
with open(sys.argv[1], encoding="utf-8") as handle:
    galaxy = yaml.safe_load(handle)
print(galaxy["namespace"], galaxy["name"])
PY
)
if [[ -z "${namespace:-}" || -z "${name:-}" ]]; then
    echo "sanity.sh: could not read namespace and name from galaxy.yml" >&2
    exit 1
fi
collection="${tree}/ansible_collections/${namespace}/${name}"

# A fresh copy each run, so files deleted or renamed in the work tree do not linger. Only the copy's
# own tests/output is kept: ansible-test keeps the virtualenv it delegates to there.
if [[ -d "${collection}" ]]; then
    find "${collection}" -mindepth 1 -maxdepth 1 ! -name tests -exec rm -rf {} +
fi
if [[ -d "${collection}/tests" ]]; then
    find "${collection}/tests" -mindepth 1 -maxdepth 1 ! -name output -exec rm -rf {} +
fi
mkdir -p "${collection}"
(
    cd "${repo}"
    # --cached also lists tracked files deleted from the work tree: only copy what exists.
    git ls-files -z --cached --others --exclude-standard |
        while IFS= read -r -d '' path; do
            if [[ -e "${path}" || -L "${path}" ]]; then
                printf '%s\0' "${path}"
            fi
        done |
        tar --null --no-recursion -T - -cf - |
        tar -C "${collection}" -xf -
)

# The tree lies inside this repository's ignored tests/output, so ansible-test, which takes its file
# list from the nearest git work tree, would see no files at all: make the copy a work tree of its own.
# Nothing is committed there; ansible-test lists untracked files that .gitignore does not exclude.
git -C "${collection}" init --quiet

# Link the dependency collections in beside this one, so the import and validate-modules tests
# (and the documentation fragments they use) find them.
"${controller_python}" - "${repo}/galaxy.yml" <<'PY' |
import os
import sys
import yaml
import ansible_collections
with open(sys.argv[1], encoding="utf-8") as handle:
    galaxy = yaml.safe_load(handle)
roots = list(ansible_collections.__path__)
for dependency in galaxy.get("dependencies") or {}:
    dep_namespace, dep_name = dependency.split(".")
    for root in roots:
        path = os.path.join(root, dep_namespace, dep_name)
        if os.path.isdir(path):
            print(dep_namespace, dep_name, os.path.realpath(path))
            break
    else:
        sys.exit("sanity.sh: dependency collection %s is not installed next to ansible-core" % dependency)
PY
    while read -r dep_namespace dep_name dep_path; do
        mkdir -p "${tree}/ansible_collections/${dep_namespace}"
        ln -sfn "${dep_path}" "${tree}/ansible_collections/${dep_namespace}/${dep_name}"
    done

# The pip bootstrap script ansible-test looks for, named after the pip version it pins.
pip_version="$(
    "${controller_python}" - <<'PY'
import ast
import inspect
from ansible_test._internal import python_requirements
source = inspect.getsource(python_requirements.get_venv_packages)
for node in ast.walk(ast.parse(source)):
    if isinstance(node, ast.keyword) and node.arg == "pip":
        print(ast.literal_eval(node.value))
        break
PY
)"
if [[ -z "${pip_version}" ]]; then
    echo "sanity.sh: could not find the pip version ansible-test bootstraps" >&2
    exit 1
fi
get_pip="${HOME}/.ansible/test/cache/get_pip_${pip_version//./_}.py"
stand_in="${repo}/tests/sanity/get_pip_offline.py"
# Leave a genuine get-pip.py alone; put ours in place when there is none or an older copy of ours.
if [[ ! -e "${get_pip}" ]] || grep -q 'gameops-platform-offline-get-pip' "${get_pip}"; then
    mkdir -p "$(dirname "${get_pip}")"
    cp "${stand_in}" "${get_pip}"
fi

cd "${collection}"
# Results of an earlier run would be taken for this one's; ansible-test's virtualenvs stay (.tmp).
rm -rf tests/output/bot tests/output/data tests/output/junit
status=0
# tests/units.sh runs `ansible-test units` through this same tree (ANSIBLE_TEST_COMMAND=units).
command="${ANSIBLE_TEST_COMMAND:-sanity}"
junit=()
if [[ "${command}" == sanity ]]; then
    junit=(--junit)
fi
"${ansible_test}" "${command}" --venv --python "${python_version}" --color no "${junit[@]}" "$@" || status=$?

if ! command -v shellcheck >/dev/null; then
    echo "sanity.sh: shellcheck is not installed, so the shellcheck test had nothing to run with"
fi
# One line per test that did not pass, and a closing count of the junit results.
"${controller_python}" - tests/output/junit "${command}" <<'PY' || true
import glob
import os
import sys
import xml.etree.ElementTree as ET
counts = {"passed": 0, "failed": 0, "skipped": 0}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.xml"))):
    for case in ET.parse(path).iter("testcase"):
        name = case.get("name") or case.get("classname")
        if case.find("failure") is not None or case.find("error") is not None:
            counts["failed"] += 1
            print("%s: %s failed" % (sys.argv[2], name))
        elif case.find("skipped") is not None:
            counts["skipped"] += 1
            reason = case.find("skipped").get("message") or case.find("skipped").text or ""
            print("%s: %s skipped: %s" % (sys.argv[2], name, reason.strip()))
        else:
            counts["passed"] += 1
if sum(counts.values()):
    print(sys.argv[2] + ": %(passed)d passed, %(failed)d failed, %(skipped)d skipped" % counts)
PY
if [[ -n "$(ls -A tests/output/bot 2>/dev/null)" ]]; then
    echo "sanity.sh: details of the failures are in ${collection}/tests/output/bot"
fi
exit "${status}"
