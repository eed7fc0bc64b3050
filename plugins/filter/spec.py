# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spec section of a layer's role with its defaults, for roles used without the site playbook's preflight."""

from ansible.errors import AnsibleFilterError

from ansible_collections.gameops.platform.plugins.plugin_utils import layers
from ansible_collections.gameops.platform.plugins.plugin_utils.spec_validation import validate


def spec_defaults(section, role):
    """``section`` as preflight normalized it, unchanged; none: the role's spec defaults (types checked, no semantic checks)."""
    if section:
        return section
    errors = []
    filled = validate(layers.role_spec(role), {}, "platform (%s section)" % role, errors)
    if errors:
        raise AnsibleFilterError("gameops.platform.%s needs its section of the spec: %s" % (role, "; ".join(errors)))
    return filled


class FilterModule(object):
    """Platform spec filters."""

    def filters(self):
        return {"spec_defaults": spec_defaults}
