# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight on the controller: the spec checked against the layer registry and each layer's role spec.

It runs here rather than as a module because the schemas are the roles' own argument specs and the
layers are meta/layers.yml, files of the collection that a module run elsewhere would not have.
"""

import json
import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.gameops.platform.plugins.plugin_utils.layers import RegistryError
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

ARGUMENT_SPEC = dict(
    spec=dict(type="dict", required=True),
    outputs_file=dict(type="path"),
    load_outputs=dict(type="bool", default=False),
)


def _read_outputs(path):
    """The outputs an earlier run wrote, layer -> outputs; none when the file does not exist."""
    if not path or not os.path.exists(path):
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            outputs = json.load(handle)
    except (OSError, ValueError) as error:
        raise AnsibleActionFail("cannot read the platform's outputs from %s: %s" % (path, error))
    return outputs.get("layers", {}) if isinstance(outputs, dict) else {}


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        warnings = []
        try:
            platform, plan = preflight(args["spec"], warnings=warnings)
        except SpecError as error:
            return dict(result, failed=True, errors=error.errors, msg="invalid platform spec:\n- " + "\n- ".join(error.errors))
        except RegistryError as error:
            return dict(result, failed=True, msg=str(error))
        result.update(changed=False, platform=platform, plan=plan)
        if warnings:
            result["warnings"] = warnings
        if args["load_outputs"]:
            outputs = _read_outputs(args["outputs_file"])
            result["ansible_facts"] = dict(("%s_outputs" % layer, outputs[layer]) for layer in plan["layers"] if layer in outputs)
        return result
