# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
name: warm_local
short_description: Execute on the controller, running Python modules in forks of a warm interpreter
version_added: 0.1.0
description:
  - Behaves as P(ansible.builtin.local#connection) (it is a subclass of it), except for one kind of command, the
    run of an AnsiballZ Python module by the module interpreter, with or without pipelining.
  - Such a command is run in a fork of a warm interpreter of that same interpreter path, one per
    controller process (C(ansible-playbook) run), started on first use and stopped when that
    process exits. The warm parent has C(ansible.module_utils.basic), boto3, botocore, what creating
    clients of O(services) imports, and those services' models loaded. It never runs module code;
    every module runs in a fresh fork of it, so no module sees another's globals, boto3 sessions,
    clients or credentials.
  - The forked module gets what C(/bin/sh) and a fresh interpreter would give it, the same
    environment (the task's C(environment), the shell's own changes), arguments, working
    directory, umask, descriptors, standard streams, C(sys.argv), C(sys.path) and C(__main__); its
    exit status, signals and the shell's report of a signal are those of the plain local connection.
  - Anything else runs exactly as P(ansible.builtin.local#connection) runs it, by the same code. That covers any
    command that is not a module run, non-Python and old-style modules, async tasks (the
    async wrapper), become, another shell than dash as C(/bin/sh), and a payload whose
    C(ansible/) files differ from the files the warm parent imported (another ansible-core).
    It also covers a task environment that changes what the interpreter reads at start-up or
    the preloaded modules read at import time (C(PYTHON*), C(LANG), C(LC_ALL), C(LC_CTYPE),
    C(HOME), C(TZ)); for such an environment a second warm parent is started instead.
  - The socket of each warm parent lies in a directory only the user running Ansible can enter
    (mode 0700, under the controller's temporary directory), and the parent accepts only that
    user's connections.
author:
  - gameops.platform contributors (!UNKNOWN)
extends_documentation_fragment:
  - connection_pipelining
options:
  become_success_timeout:
    type: int
    default: 10
    description:
      - Number of seconds to wait for become to succeed when enabled (become always runs the plain local way).
      - The default will be used if the configured value is less than 1.
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    type: bool
    default: true
    description:
      - Strip internal become output preceding command execution. Disable for additional diagnostics.
    vars:
      - name: ansible_local_become_strip_preamble
  warm:
    type: bool
    default: true
    description:
      - Run Python modules in forks of the warm interpreter. When false, the plugin is P(ansible.builtin.local#connection).
    env:
      - name: ANSIBLE_WARM_LOCAL
    vars:
      - name: ansible_warm_local
  preload:
    type: list
    elements: str
    default:
      - ansible.module_utils.basic
      - ansible.module_utils._internal._ansiballz._loader
      - ansible.module_utils.common.dict_transformations
      - ansible.module_utils.common.text.converters
      - ansible.module_utils.six
      - boto3
      - botocore
    description:
      - Python modules the warm parent imports (besides what creating clients of O(services) imports).
      - Only ansible.module_utils modules and modules outside the ansible namespaces are imported;
        collection module utilities always come from the module's own payload.
    env:
      - name: ANSIBLE_WARM_LOCAL_PRELOAD
    vars:
      - name: ansible_warm_local_preload
  services:
    type: list
    elements: str
    default: [ec2, eks, iam, sts, kms, s3, elasticache, ecr, logs, secretsmanager, amp, grafana, resourcegroupstaggingapi, elbv2, elb]
    description:
      - AWS services whose client code the warm parent imports and whose models it reads, once.
      - A module process takes each preloaded model file at most once (its first load of that file);
        later loads, other services and changed files are read from disk as usual.
    env:
      - name: ANSIBLE_WARM_LOCAL_SERVICES
    vars:
      - name: ansible_warm_local_services
  precompile:
    type: list
    elements: str
    default: [amazon.aws, community.aws, gameops.platform]
    description:
      - Collections whose module utilities the warm parent compiles once (from the collection the
        controller finds first). A zip entry of a module's payload with exactly the same source gets
        that code, under the entry's own file name, instead of being compiled again; any other
        source is compiled as usual.
    env:
      - name: ANSIBLE_WARM_LOCAL_PRECOMPILE
    vars:
      - name: ansible_warm_local_precompile
  idle_timeout:
    type: int
    default: 3600
    description:
      - Seconds without a request after which a warm parent exits (it exits with its controller anyway).
    env:
      - name: ANSIBLE_WARM_LOCAL_IDLE_TIMEOUT
    vars:
      - name: ansible_warm_local_idle_timeout
  start_timeout:
    type: int
    default: 120
    description:
      - Seconds to wait for a warm parent to load; a parent that fails to start is not retried by
        that controller process, and its modules run the plain local way.
    env:
      - name: ANSIBLE_WARM_LOCAL_START_TIMEOUT
    vars:
      - name: ansible_warm_local_start_timeout
notes:
  - Select it for the controller host with C(ansible_connection=gameops.platform.warm_local); it pays
    most with pipelining (C(ANSIBLE_PIPELINING=true)), without which every module is still copied to
    a temporary file first.
  - The warm parent's diagnostics go to C(warm-local.log) in its directory (C(-vvv) names it).
"""

EXAMPLES = r"""
# inventory
all:
  hosts:
    localhost:
      ansible_connection: gameops.platform.warm_local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""

import array
import errno
import fcntl
import hashlib
import json
import os
import re
import select
import selectors
import shlex
import signal
import socket
import stat
import struct
import subprocess
import tempfile
import time

import ansible.constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection.local import Connection as LocalConnection
from ansible.release import __author__ as ANSIBLE_AUTHOR, __version__ as ANSIBLE_VERSION
from ansible.utils.display import Display

display = Display()

SERVER_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'plugin_utils', 'warm_local_server.py')
PROTOCOL = 1
HEADER = struct.Struct('!III')
_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
SENSITIVE_NAMES = frozenset(('LANG', 'LC_ALL', 'LC_CTYPE', 'HOME', 'TZ', 'UNIXCONFDIR', 'UNIXUSRLIBDIR'))
SENSITIVE_PREFIXES = ('PYTHON',)

# The bootstrap the warm parent starts with: it executes the server file and, in a module process
# only, runs the module (raising SystemExit with the module's status).
BOOTSTRAP = (
    "import sys\n"
    "_server = {'__name__': '_gameops_warm_local_server', '__file__': sys.argv[1], '__builtins__': __builtins__}\n"
    "with open(sys.argv[1], 'rb') as _stream:\n"
    "    _code = compile(_stream.read(), sys.argv[1], 'exec', dont_inherit=True)\n"
    "exec(_code, _server)\n"
    "del _stream, _code\n"
    "_server['main'](int(sys.argv[2]), int(sys.argv[3])).run()\n"
)


def is_sensitive(name):
    return name in SENSITIVE_NAMES or name.startswith(SENSITIVE_PREFIXES)


def ansiballz_inits():
    """The two package inits module_common writes into every AnsiballZ zip (recursive_finder)."""
    return {
        'ansible/__init__.py': 'from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n'
                               '__version__="%s"\n__author__="%s"\n' % (ANSIBLE_VERSION, ANSIBLE_AUTHOR),
        'ansible/module_utils/__init__.py': 'from pkgutil import extend_path\n__path__=extend_path(__path__,__name__)\n',
    }


def parse_module_command(cmd, shell, executable):
    """(assignments, interpreter, script or None) when `cmd` is exactly what ActionBase builds to run
    a module (`<executable> -c '<env> <interpreter> [<script>] && sleep 0'`), else None."""
    if not isinstance(cmd, str) or not executable:
        return None
    prefix = executable + ' -c '
    if not cmd.startswith(prefix):
        return None
    try:
        outer = shlex.split(cmd[len(prefix):])
        if len(outer) != 1:
            return None
        tokens = shlex.split(outer[0])
    except ValueError:
        return None
    if tokens[-3:] != ['&&', 'sleep', '0']:
        return None
    tokens = tokens[:-3]
    assignments = {}
    index = 0
    while index < len(tokens):
        name, sep, value = tokens[index].partition('=')
        if not sep or not _NAME.match(name) or name in assignments:
            break
        assignments[name] = value
        index += 1
    rest = tokens[index:]
    if len(rest) not in (1, 2):
        return None
    interpreter = rest[0]
    script = rest[1] if len(rest) == 2 else None
    if not interpreter.startswith('/') or (script is not None and not script.startswith('/')):
        return None
    try:
        rebuilt = shell.build_module_command(shell.env_prefix(**assignments), '#!' + interpreter, script or '')
        rebuilt = shell.append_command(rebuilt, 'sleep 0')
    except Exception:  # pylint: disable=broad-except
        return None
    if executable + ' -c ' + shlex.quote(rebuilt) != cmd:
        return None
    return assignments, interpreter, script


def shell_environment(base, assignments, cwd):
    """The environment dash gives the command `<assignments> <interpreter> ...` started in `cwd`."""
    env = {name: value for name, value in base.items() if _NAME.match(name)}
    pwd = env.get('PWD')
    keep = False
    if pwd and pwd.startswith('/'):
        try:
            keep = os.path.samestat(os.stat(pwd), os.stat(cwd))
        except OSError:
            keep = False
    if not keep:
        env['PWD'] = os.path.realpath(cwd)
    if 'OPTIND' in env:
        env['OPTIND'] = '1'
    if 'IFS' in env:
        env['IFS'] = ' \t\n'
    env.update(assignments)
    return env


def shell_status(status):
    """(rc, text dash writes to stderr) for `<interpreter> ... && sleep 0` whose interpreter ended with `status`."""
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        text = b''
        if number not in (signal.SIGINT, signal.SIGPIPE):
            name = signal.strsignal(number) or 'Signal %d' % number
            if os.WCOREDUMP(status):
                name += ' (core dumped)'
            text = to_bytes(name + '\n')
        return 128 + number, text
    if os.WIFEXITED(status):
        return os.WEXITSTATUS(status), b''
    return 128, b''


def current_umask():
    try:
        with open('/proc/self/status', encoding='ascii') as stream:
            for line in stream:
                if line.startswith('Umask:'):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return None


def runtime_dir():
    """This user's private directory for warm parents (created 0700, refused unless ours and private)."""
    uid = os.getuid()
    path = os.path.join(tempfile.gettempdir(), 'gameops-warm-local-%d' % uid)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != uid or stat.S_IMODE(info.st_mode) & 0o077:
        raise AnsibleConnectionFailure('warm_local: %s is not a private directory of uid %d' % (path, uid))
    return path


def collection_module_utils(names):
    """The plugins/module_utils directories of these collections, as the controller finds them first."""
    import sys  # pylint: disable=import-outside-toplevel

    roots = list(C.COLLECTIONS_PATHS or []) + [entry for entry in sys.path if entry]
    found = []
    for name in names:
        namespace, _sep, collection = name.partition('.')
        for root in roots:
            base = root if os.path.basename(root) == 'ansible_collections' else os.path.join(root, 'ansible_collections')
            path = os.path.realpath(os.path.join(base, namespace, collection, 'plugins', 'module_utils'))
            if os.path.isdir(path):
                if path not in found:
                    found.append(path)
                break
    return found


def remove_stale(directory):
    """Files left by warm parents of controllers that are gone (a parent that never started leaves its marker)."""
    for name in os.listdir(directory):
        pid, sep, rest = name.partition('-')
        if not sep or not pid.isdigit() or not rest.endswith(('.failed', '.lock', '.sock')):
            continue
        try:
            os.kill(int(pid), 0)
            continue
        except PermissionError:
            continue
        except OSError:
            pass
        try:
            os.unlink(os.path.join(directory, name))
        except OSError:
            pass


class Connection(LocalConnection):
    """ansible.builtin.local, with Python modules run in forks of a warm interpreter."""

    def __init__(self, *args, **kwargs):
        super(Connection, self).__init__(*args, **kwargs)
        self._controller_pid = int(kwargs.get('ansible_playbook_pid') or os.getppid())

    # ----------------------------------------------------------------------------------------------

    def exec_command(self, cmd, in_data=None, sudoable=True):
        request = self._warm_request(cmd, in_data, sudoable)
        if request is not None:
            result = self._warm_exec(cmd, *request)
            if result is not None:
                return result
        return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)

    def _warm_request(self, cmd, in_data, sudoable):
        """(interpreter, header, source) when this command can run warm, else None."""
        try:
            if not self.get_option('warm'):
                return None
        except KeyError:
            return None
        if sudoable and self.become and getattr(self.become, '_id', None):
            return None
        if getattr(self._shell, 'SHELL_FAMILY', None) != 'sh':
            return None
        outer = C.DEFAULT_EXECUTABLE.split()[0] if C.DEFAULT_EXECUTABLE else None
        inner = self._play_context.executable
        for shell in (outer, inner):
            if not shell or os.path.basename(os.path.realpath(shell)) != 'dash':
                return None
        parsed = parse_module_command(to_text(cmd, errors='surrogate_or_strict') if isinstance(cmd, bytes) else cmd, self._shell, inner)
        if parsed is None:
            return None
        assignments, interpreter, script = parsed
        if not os.path.isabs(interpreter) or not os.path.isfile(interpreter) or not os.access(interpreter, os.X_OK):
            return None
        if script is None:
            if in_data is None:
                return None
            source = to_bytes(in_data)
        else:
            if in_data is not None or not os.path.isabs(script) or not script.endswith('.py') or not os.path.isfile(script):
                return None
            source = b''
        cwd = os.path.abspath(to_text(self.cwd, errors='surrogate_or_strict')) if self.cwd is not None else os.getcwd()
        if not os.path.isdir(cwd):
            return None
        base = dict(os.environ)
        if 'PPID' in base:
            return None
        env = shell_environment(base, assignments, cwd)
        umask = current_umask()
        if umask is None:
            return None
        header = {'argv0': interpreter, 'script': script, 'env': env, 'cwd': cwd, 'umask': umask}
        return interpreter, header, source

    # ----------------------------------------------------------------------------------------------

    def _server_config(self, interpreter, env):
        sensitive = sorted((k, v) for k, v in env.items() if is_sensitive(k))
        startup_env = {k: v for k, v in os.environ.items() if not is_sensitive(k)}
        startup_env.update(sensitive)
        config = {
            'argv0': interpreter,
            'controller_pid': self._controller_pid,
            'startup_env': startup_env,
            'preload': list(self.get_option('preload') or []),
            'services': list(self.get_option('services') or []),
            'idle_timeout': int(self.get_option('idle_timeout') or 0),
            'ansible_inits': ansiballz_inits(),
            'precompile': collection_module_utils(self.get_option('precompile') or []),
        }
        try:
            server_stamp = os.stat(SERVER_FILE).st_mtime_ns
        except OSError:
            server_stamp = 0
        key = json.dumps([interpreter, sensitive, config['preload'], config['services'], config['precompile'], server_stamp, ANSIBLE_VERSION])
        name = '%d-%s' % (self._controller_pid, hashlib.sha256(key.encode('utf-8', 'surrogateescape')).hexdigest()[:16])
        return name, config

    def _connect_server(self, interpreter, env):
        """A connected socket to the warm parent for this interpreter and environment, or None."""
        directory = runtime_dir()
        name, config = self._server_config(interpreter, env)
        socket_path = os.path.join(directory, name + '.sock')
        failed_path = os.path.join(directory, name + '.failed')
        if os.path.exists(failed_path):
            return None
        sock = self._try_connect(socket_path)
        if sock is not None:
            return sock
        lock_path = os.path.join(directory, name + '.lock')
        with open(os.open(lock_path, os.O_WRONLY | os.O_CREAT, 0o600), 'w') as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            sock = self._try_connect(socket_path)
            if sock is not None:
                return sock
            if os.path.exists(failed_path):
                return None
            config.update(socket_path=socket_path, lock_path=lock_path)
            remove_stale(directory)
            error = self._spawn(interpreter, config, os.path.join(directory, 'warm-local.log'))
            if error:
                display.vvv('warm_local: modules run the plain local way, the warm interpreter did not start: %s' % error)
                with open(os.open(failed_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w') as stream:
                    stream.write(error + '\n')
                return None
            return self._try_connect(socket_path)

    @staticmethod
    def _try_connect(path):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
        except OSError:
            sock.close()
            return None
        return sock

    def _spawn(self, interpreter, config, log_path):
        """Start a warm parent; returns an error text, or None once it listens."""
        config_r, config_w = os.pipe()
        ready_r, ready_w = os.pipe()
        log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        display.vvv('warm_local: starting a warm %s for controller %d (log %s)' % (interpreter, self._controller_pid, log_path))
        try:
            process = subprocess.Popen(
                [interpreter, '-c', BOOTSTRAP, SERVER_FILE, str(config_r), str(ready_w)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, cwd='/', env=config['startup_env'],
                pass_fds=(config_r, ready_w), start_new_session=True, close_fds=True)
        except OSError as ex:
            for fd in (config_r, config_w, ready_r, ready_w, log):
                os.close(fd)
            return 'cannot start %s: %s' % (interpreter, ex)
        os.close(config_r)
        os.close(ready_w)
        os.close(log)
        try:
            with open(config_w, 'wb') as stream:
                stream.write(json.dumps(config).encode('utf-8', 'surrogateescape'))
            process.wait()
            deadline = time.monotonic() + max(int(self.get_option('start_timeout') or 120), 1)
            answer = b''
            while not answer.endswith(b'\n'):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return 'no answer within the start timeout'
                readable, _w, _x = select.select([ready_r], [], [], remaining)
                if not readable:
                    continue
                chunk = os.read(ready_r, 4096)
                if not chunk:
                    break
                answer += chunk
        finally:
            os.close(ready_r)
        if answer.startswith(b'ready'):
            return None
        return to_text(answer.strip() or b'exited before listening (see the log)', errors='replace')

    # ----------------------------------------------------------------------------------------------

    def _warm_exec(self, cmd, interpreter, header, source):
        """(rc, stdout, stderr) of the module run warm; None to run it the plain local way."""
        try:
            sock = self._connect_server(interpreter, header['env'])
        except (OSError, AnsibleConnectionFailure) as ex:
            display.vvv('warm_local: plain local run (%s)' % ex)
            return None
        if sock is None:
            return None
        display.vvv(u'EXEC (warm) {0}'.format(to_text(cmd)), host=self._play_context.remote_addr)
        stdin_r, stdin_w = os.pipe()
        os.close(stdin_w)
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        handlers = {}
        try:
            with sock:
                try:
                    encoded = json.dumps(header).encode('utf-8', 'surrogateescape')
                    sock.sendmsg([HEADER.pack(PROTOCOL, len(encoded), len(source))],
                                 [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [stdin_r, out_w, err_w]))])
                    sock.sendall(encoded)
                    sock.sendall(source)
                finally:
                    for fd in (stdin_r, out_w, err_w):
                        os.close(fd)
                return self._collect(sock, out_r, err_r, handlers)
        finally:
            self._restore_signals(handlers)
            for fd in (out_r, err_r):
                try:
                    os.close(fd)
                except OSError:
                    pass

    def _collect(self, sock, out_r, err_r, handlers):
        stdout, stderr, control = bytearray(), bytearray(), bytearray()
        status = None
        pid = None
        with selectors.DefaultSelector() as selector:
            selector.register(out_r, selectors.EVENT_READ, stdout)
            selector.register(err_r, selectors.EVENT_READ, stderr)
            selector.register(sock, selectors.EVENT_READ, control)
            while selector.get_map():
                for key, _event in selector.select():
                    if key.fileobj is sock:
                        try:
                            chunk = sock.recv(65536)
                        except OSError:
                            chunk = b''
                    else:
                        try:
                            chunk = os.read(key.fd, 65536)
                        except OSError as ex:
                            if ex.errno == errno.EINTR:
                                continue
                            chunk = b''
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    key.data.extend(chunk)
                    if key.fileobj is sock:
                        while b'\n' in control:
                            line, _sep, rest = bytes(control).partition(b'\n')
                            control[:] = rest
                            message = json.loads(line)
                            if 'fallback' in message:
                                if pid is not None:
                                    raise AnsibleConnectionFailure('warm_local: module process %d started, then: %s' % (pid, message['fallback']))
                                display.vvv('warm_local: plain local run (%s)' % message['fallback'])
                                return None
                            if 'pid' in message:
                                pid = message['pid']
                                self._forward_signals(pid, handlers)
                            if 'status' in message:
                                status = message['status']
        if pid is None:
            display.vvv('warm_local: plain local run (no answer from the warm interpreter)')
            return None
        if status is None:
            raise AnsibleConnectionFailure('warm_local: lost the exit status of module process %d' % pid)
        rc, shell_text = shell_status(status)
        return rc, bytes(stdout), bytes(stderr) + shell_text

    # signals the worker propagates to its process group (WorkerProcess._term) reach the module too
    def _forward_signals(self, pid, handlers):
        for number in (signal.SIGINT, signal.SIGTERM):
            try:
                previous = signal.getsignal(number)
                if not callable(previous):
                    continue

                def forward(signum, frame, previous=previous):
                    try:
                        os.killpg(pid, signum)
                    except OSError:
                        pass
                    previous(signum, frame)

                signal.signal(number, forward)
                handlers[number] = previous
            except (ValueError, OSError):
                continue

    @staticmethod
    def _restore_signals(handlers):
        for number, previous in handlers.items():
            try:
                signal.signal(number, previous)
            except (ValueError, OSError):
                pass
        handlers.clear()
