#!/usr/bin/env bash
# Runs `ansible-test units` on the collection, fully offline, in a tree of its own that tests/sanity.sh
# prepares (the collection at .../ansible_collections/gameops/platform, its dependencies linked in).
# ansible-test installs tests/unit/requirements.txt into its virtualenv (cached in that tree after the
# first run).
#
# Without arguments only the collection's own unit tests run, tests/unit/plugins/ less the module tests
# that drive the AWS emulator: `make test` runs the whole unit suite with pytest already, and a second
# pass of the emulator tests costs many minutes. The warm_local connection tests are left out too: under
# ansible-test its warm parent imports ansible-core from ansible-test's own copy (PYTHONPATH), so
# test_failures_reported_as_local sees other traceback paths than ansible.builtin.local gives (open).
# Arguments replace that list, e.g.
#   tests/units.sh tests/unit/           every unit test, ansible-test's way
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
if [[ $# -eq 0 ]]; then
    set -- tests/unit/plugins/module_utils/ tests/unit/plugins/plugin_utils/ tests/unit/plugins/filter/ \
        tests/unit/plugins/lookup/ tests/unit/plugins/action/
fi
export ANSIBLE_TEST_COMMAND=units
export SANITY_TREE="${UNITS_TREE:-${repo}/tests/output/units-tree}"
exec "${repo}/tests/sanity.sh" --requirements "$@"
