# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Who holds a platform lock, and whether that holder is provably gone.

A process is named by the kernel's boot id, its PID namespace and its pid and start time, so a pid
reused after a reboot, in another container or by a later process never passes for the holder. Only a
holder on this boot and PID namespace can be proved gone; any other is treated as alive.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

# Values that may carry secrets (extra vars can hold credentials) are not recorded.
REDACTED_OPTIONS = ("-e", "--extra-vars", "--vault-id", "--vault-password-file", "--private-key")


def _read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return None


def _start_time(pid):
    stat = _read("/proc/%d/stat" % pid)
    # Field 22 (starttime) counts from the one after the command name, which may contain spaces.
    return stat.rsplit(")", 1)[1].split()[19] if stat else None


def _namespace():
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return None


def process_identity(pid):
    """'<boot id>:<pid namespace>:<pid>:<start time>', or None where /proc cannot tell (not Linux)."""
    parts = (_read("/proc/sys/kernel/random/boot_id"), _namespace(), str(pid), _start_time(pid))
    return ":".join(parts) if all(parts) else None


def is_gone(identity):
    """True only when the process named by process_identity() ran here and no longer runs."""
    try:
        boot_id, namespace, pid, start = (identity or "").split(":")
    except ValueError:
        return False
    if boot_id != _read("/proc/sys/kernel/random/boot_id") or namespace != _namespace():
        return False
    return _start_time(int(pid)) != start


def redacted_command(argv):
    """The command line, with the values of options that may carry secrets replaced by ***."""
    words, hide = [], False
    for word in argv:
        if hide:
            words.append("***")
            hide = False
            continue
        option = next((name for name in REDACTED_OPTIONS if word == name or word.startswith(name + "=")
                       or (len(name) == 2 and word.startswith(name) and len(word) > 2)), None)
        if option and word != option:
            words.append(option + ("=" if word.startswith(option + "=") else "") + "***")
        else:
            words.append(os.path.basename(word) if not words else word)
            hide = option is not None
    return " ".join(words)
