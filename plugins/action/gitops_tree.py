# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a rendered tree in one call on the controller (see the module gitops_tree for the interface).

A copy task per file costs a module run each (about 0.4 s); the tree is a few dozen files rendered on the
controller, so it is compared and written here, in one pass, with no module run at all.
"""

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.plugins.connection.local import Connection as LocalConnection

from ansible_collections.gameops.platform.plugins.plugin_utils import gitops_tree

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    files=dict(type="list", elements="dict", required=True),
    header=dict(type="str", default=""),
    keep=dict(type="list", elements="str", default=[]),
    prune=dict(type="bool", default=True),
    mode=dict(type="str", default="0644"),
    directory_mode=dict(type="str", default="0755"),
)


def _octal(value, name):
    try:
        return int(str(value), 8)
    except ValueError:
        raise AnsibleActionFail("%s: %r is not an octal file mode such as '0644'" % (name, value))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)[1]
        # The files are written where this plugin runs; that is the target only with a local connection
        # (ansible.builtin.local or a subclass of it, such as gameops.platform.warm_local).
        if not isinstance(self._connection, LocalConnection):
            raise AnsibleActionFail("gitops_tree writes on the controller; run it with a local connection (delegate_to: localhost)")
        mode, directory_mode = _octal(args["mode"], "mode"), _octal(args["directory_mode"], "directory_mode")
        try:
            changes = gitops_tree.plan(args["dest"], args["files"], args["header"], args["keep"], args["prune"], mode)
        except gitops_tree.TreeError as error:
            raise AnsibleActionFail("gitops_tree: %s" % error)
        changed = bool(changes["write"] or changes["chmod"] or changes["remove"])
        if changed and not self._task.check_mode:
            try:
                gitops_tree.apply(args["dest"], changes, mode, directory_mode)
            except OSError as error:
                raise AnsibleActionFail("gitops_tree: cannot write %s: %s" % (args["dest"], error))
        result.update(
            changed=changed,
            dest=args["dest"],
            written=[path for path, _text in changes["write"]],
            removed=changes["remove"],
            unchanged=len(args["files"]) - len(changes["write"]),
        )
        if self._task.diff and changes["diff"]:
            result["diff"] = changes["diff"]
        return result
