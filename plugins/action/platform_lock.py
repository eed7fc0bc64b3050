# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""platform_lock on the controller: the holder named after the ansible-playbook process that runs the task.

Tasks run in worker processes forked from ansible-playbook, so the parent pid and the argv seen here are the
run's own; a module, run in a process of its own, could not tell them.
"""

import getpass
import os
import socket
import sys

from ansible.plugins.action import ActionBase

from ansible_collections.gameops.platform.plugins.module_utils.lock_holder import process_identity, redacted_command


def holder(task_path):
    run_pid = os.getppid()
    playbook = (task_path or "").rsplit(":", 1)[0]
    if playbook.startswith(os.getcwd() + os.sep):
        playbook = os.path.relpath(playbook)
    return dict(user=getpass.getuser(), host=socket.gethostname(), pid=run_pid, playbook=playbook or "?",
                command=redacted_command(sys.argv), process=process_identity(run_pid))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        args.setdefault("holder", holder(self._task.get_path()))
        result.update(self._execute_module(module_name="gameops.platform.platform_lock", module_args=args, task_vars=task_vars))
        return result
