# -*- coding: utf-8 -*-
# Copyright: gameops.platform contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The warm interpreter behind the gameops.platform.warm_local connection plugin.

This file is not imported by Ansible: the connection plugin starts the module interpreter of a task
(``ansible_python_interpreter``) with a small bootstrap that executes this file and calls ``main``.
Three kinds of process come out of it:

- the *parent* (one per controller process, interpreter and interpreter-relevant environment): it
  imports ansible.module_utils.basic, boto3, botocore and whatever creating clients of the configured
  services imports, reads those services' models, then only accepts connections on a Unix socket in
  a private directory. It never runs module code, never creates a boto3 session, never reads AWS
  configuration.
- a *handler*, forked from the parent per request: it receives the request (argv, environment, cwd,
  umask, the AnsiballZ payload and the module's stdin/stdout/stderr descriptors), checks that a fresh
  interpreter would run exactly what the parent preloaded (same environment for everything read at
  start-up or import time, every ansible/... file of the payload's zip identical to the file the
  parent imported), and answers ``fallback`` when not, so that the plugin runs the command as
  ansible.builtin.local would. Otherwise it forks the module process, reports its pid, waits for it
  and reports its raw wait status.
- the *module process*, forked from the handler: it becomes what ``python`` (pipelining) or
  ``python AnsiballZ_x.py`` would have been at its first line: descriptors 0, 1, 2 only, environment,
  cwd, umask, argv, sys.path, a fresh ``__main__``, standard streams created as CPython creates them,
  and runs the payload. Its exit (SystemExit, uncaught exceptions, atexit, flushing, threads) is the
  interpreter's own.
"""

from __future__ import annotations

import array
import io
import json
import os
import select
import socket
import struct
import sys
import time

PROTOCOL = 1
HEADER = struct.Struct('!III')  # protocol, header length, source length
MAX_HEADER = 16 * 1024 * 1024
MAX_SOURCE = 512 * 1024 * 1024

# Environment read by the interpreter at start-up or by the preloaded modules at import time. A request
# whose values differ from the parent's is not served by that parent (the plugin starts one per set).
SENSITIVE_NAMES = frozenset(('LANG', 'LC_ALL', 'LC_CTYPE', 'HOME', 'TZ', 'UNIXCONFDIR', 'UNIXUSRLIBDIR'))
SENSITIVE_PREFIXES = ('PYTHON',)

_MODEL_CACHE = {}
_STATE = {}


def is_sensitive(name):
    return name in SENSITIVE_NAMES or name.startswith(SENSITIVE_PREFIXES)


def sensitive_subset(env):
    return {key: value for key, value in env.items() if is_sensitive(key)}


def _log(message):
    try:
        os.write(2, ('warm_local[%d] %s %s\n' % (os.getpid(), time.strftime('%H:%M:%S'), message)).encode('utf-8', 'replace'))
    except OSError:
        pass


# ---------------------------------------------------------------------------------------------------
# parent: preloading


def _make_package(name, path, source):
    """Create package `name` the way the AnsiballZ zip's synthesized __init__ does, searching `path`."""
    import importlib.machinery  # pylint: disable=import-outside-toplevel
    import importlib.util  # pylint: disable=import-outside-toplevel

    init = os.path.join(path, '__init__.py')
    spec = importlib.machinery.ModuleSpec(name, None, origin=init, is_package=True)
    spec.submodule_search_locations = [path]
    module = importlib.util.module_from_spec(spec)
    module.__file__ = init
    sys.modules[name] = module
    exec(compile(source, init, 'exec', dont_inherit=True), module.__dict__)  # pylint: disable=exec-used
    return module


def _ansible_root():
    for entry in sys.path:
        candidate = os.path.join(entry or '.', 'ansible', 'module_utils', 'basic.py')
        if os.path.isfile(candidate):
            return os.path.join(entry, 'ansible')
    return None


def _file_digest(path):
    import hashlib  # pylint: disable=import-outside-toplevel

    with open(path, 'rb') as stream:
        return hashlib.sha256(stream.read()).hexdigest()


def _index_preloaded(root):
    """sha256 of the file of every preloaded ansible.* module, by its name in an AnsiballZ zip."""
    index = {}
    base = os.path.dirname(root)
    for name, module in list(sys.modules.items()):
        if name in ('ansible', 'ansible.module_utils') or not name.startswith('ansible.'):
            continue
        path = getattr(module, '__file__', None)
        if path and path.endswith('.py') and os.path.abspath(path).startswith(root + os.sep):
            index[os.path.relpath(os.path.abspath(path), base).replace(os.sep, '/')] = _file_digest(path)
    return index


def _probe_imports(services):
    """Names of the modules creating clients of `services` imports, learnt in a throw-away fork."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # probe child: may do anything, it only reports names and vanishes
        code = 0
        try:
            os.close(read_end)
            os.environ.clear()
            os.environ.update({'AWS_ACCESS_KEY_ID': 'probe', 'AWS_SECRET_ACCESS_KEY': 'probe', 'AWS_DEFAULT_REGION': 'us-east-1',
                               'AWS_CONFIG_FILE': os.devnull, 'AWS_SHARED_CREDENTIALS_FILE': os.devnull,
                               'AWS_EC2_METADATA_DISABLED': 'true', 'HOME': '/nonexistent'})
            import boto3  # pylint: disable=import-outside-toplevel

            for service in services:
                try:
                    boto3.session.Session().client(service, endpoint_url='http://127.0.0.1:9')
                except Exception:  # pylint: disable=broad-except
                    pass
            names = [name for name in list(sys.modules) if not name.startswith(('__main__', 'ansible_collections'))]
            os.write(write_end, json.dumps(names).encode())
        except BaseException:  # pylint: disable=broad-except
            code = 1
        finally:
            os._exit(code)
    os.close(write_end)
    chunks = []
    while True:
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(read_end)
    os.waitpid(pid, 0)
    try:
        return json.loads(b''.join(chunks) or b'[]')
    except ValueError:
        return []


def _signature(path):
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _preload_models(services):
    """Parse the configured services' model files once; each module process may take each once."""
    import boto3  # pylint: disable=import-outside-toplevel
    from botocore import loaders  # pylint: disable=import-outside-toplevel

    reader = loaders.JSONFileLoader()
    extensions = list(loaders._JSON_OPEN_METHODS)  # pylint: disable=protected-access
    roots = [loaders.Loader.BUILTIN_DATA_PATH, os.path.join(os.path.dirname(boto3.__file__), 'data')]
    keys = [os.path.join(roots[0], name) for name in ('endpoints', 'partitions', 'sdk-default-configuration', '_retry')]
    for service in services:
        for root in roots:
            directory = os.path.join(root, service)
            if not os.path.isdir(directory):
                continue
            versions = sorted(name for name in os.listdir(directory) if os.path.isdir(os.path.join(directory, name)))
            if not versions:
                continue
            latest = os.path.join(directory, versions[-1])
            for filename in sorted(os.listdir(latest)):
                for ext in extensions:
                    if filename.endswith(ext):
                        keys.append(os.path.join(latest, filename[:-len(ext)]))
                        break
    for key in keys:
        if key in _MODEL_CACHE:
            continue
        for ext in extensions:
            if os.path.isfile(key + ext):
                data = reader.load_file(key)
                if isinstance(data, dict):
                    _MODEL_CACHE[key] = (key + ext, _signature(key + ext), data)
                break
    original = loaders.JSONFileLoader.load_file
    logger = loaders.logger

    def load_file(self, file_path):
        entry = _MODEL_CACHE.pop(file_path, None)
        if entry is not None:
            full_path, signature, data = entry
            for ext in extensions:
                candidate = file_path + ext
                if os.path.isfile(candidate):
                    try:
                        same = candidate == full_path and _signature(candidate) == signature
                    except OSError:
                        same = False
                    if same:
                        logger.debug("Loading JSON file: %s", candidate)
                        return data
                    break
        return original(self, file_path)

    for attribute in ('__doc__', '__name__', '__qualname__'):
        setattr(load_file, attribute, getattr(original, attribute))
    load_file.__module__ = original.__module__
    load_file.__wrapped__ = original
    loaders.JSONFileLoader.load_file = load_file


def _with_filename(code, filename):
    """`code` as compile() makes it for `filename` (the only thing that depends on the file's name)."""
    import types  # pylint: disable=import-outside-toplevel

    consts = tuple(_with_filename(item, filename) if isinstance(item, types.CodeType) else item for item in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _precompile(directories):
    """Compile the .py files under `directories` once; a payload's zip entry with the very same source is
    given that code (with its own file name) instead of compiling it again. Other sources compile as usual;
    so does any source whose compilation warns."""
    import warnings  # pylint: disable=import-outside-toplevel
    import zipimport  # pylint: disable=import-outside-toplevel

    cache = {}
    normalize = zipimport._normalize_line_endings  # pylint: disable=protected-access
    for top in directories:
        for directory, dirnames, filenames in os.walk(top):
            dirnames[:] = [name for name in dirnames if name != '__pycache__']
            for filename in filenames:
                if not filename.endswith('.py'):
                    continue
                try:
                    with open(os.path.join(directory, filename), 'rb') as stream:
                        source = normalize(stream.read())
                    with warnings.catch_warnings():
                        warnings.simplefilter('error')
                        cache[source] = compile(source, '<warm_local>', 'exec', dont_inherit=True)
                except Exception:  # pylint: disable=broad-except
                    continue
    if not cache:
        return 0
    original = zipimport._compile_source  # pylint: disable=protected-access

    def _compile_source(pathname, source):
        code = cache.get(normalize(source))
        if code is None:
            return original(pathname, source)
        return _with_filename(code, pathname)

    _compile_source.__doc__ = original.__doc__
    _compile_source.__module__ = original.__module__
    _compile_source.__wrapped__ = original
    zipimport._compile_source = _compile_source  # pylint: disable=protected-access
    return len(cache)


def preload(config):
    """Everything the parent holds, loaded once. Returns a list of problems (empty when fine)."""
    import importlib  # pylint: disable=import-outside-toplevel
    import warnings  # pylint: disable=import-outside-toplevel

    problems = []
    root = _ansible_root()
    if root is None:
        return ['ansible.module_utils is not importable by this interpreter']
    with warnings.catch_warnings(record=True) as caught:
        inits = config['ansible_inits']
        _make_package('ansible', root, inits['ansible/__init__.py'])
        _make_package('ansible.module_utils', os.path.join(root, 'module_utils'), inits['ansible/module_utils/__init__.py'])
        sys.modules['ansible'].module_utils = sys.modules['ansible.module_utils']
        names = list(config.get('preload') or [])
        services = list(config.get('services') or [])
        if services:
            names.extend(_probe_imports(services))
        for name in names:
            if name in sys.modules or name.startswith(('ansible_collections', '__main__')):
                continue
            if name.startswith('ansible') and not name.startswith('ansible.module_utils.'):
                continue
            try:
                importlib.import_module(name)
            except Exception:  # pylint: disable=broad-except
                pass
        if services:
            _preload_models(services)
        _STATE['precompiled'] = _precompile(config.get('precompile') or [])
    if caught:
        problems.append('warnings while preloading: %s' % '; '.join(str(item.message) for item in caught[:5]))
    import tempfile  # pylint: disable=import-outside-toplevel
    import threading  # pylint: disable=import-outside-toplevel

    tempfile.tempdir = None
    if threading.active_count() != 1:
        problems.append('threads started while preloading')
    _STATE['ansible_root'] = root
    _STATE['ansible_index'] = _index_preloaded(root)
    _STATE['package_paths'] = {name: list(sys.modules[name].__path__) for name in ('ansible', 'ansible.module_utils')}
    _STATE['ansible_inits'] = {name: source.encode('utf-8') for name, source in inits.items()}
    return problems


# ---------------------------------------------------------------------------------------------------
# parent: serving


def _recv_request(conn):
    """Read one request: (header dict, source bytes, [fd, fd, fd])."""
    fds = array.array('i')
    message, ancdata, _flags, _address = conn.recvmsg(HEADER.size, socket.CMSG_SPACE(3 * fds.itemsize))
    for level, kind, data in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - (len(data) % fds.itemsize)])
    while len(message) < HEADER.size:
        more = conn.recv(HEADER.size - len(message))
        if not more:
            raise EOFError('short header')
        message += more
    protocol, header_length, source_length = HEADER.unpack(message)
    if protocol != PROTOCOL or header_length > MAX_HEADER or source_length > MAX_SOURCE:
        raise ValueError('bad request')
    header = json.loads(_recv_exactly(conn, header_length))
    source = _recv_exactly(conn, source_length)
    return header, source, list(fds)


def _recv_exactly(conn, length):
    view = bytearray(length)
    got = 0
    while got < length:
        count = conn.recv_into(memoryview(view)[got:])
        if not count:
            raise EOFError('short request')
        got += count
    return bytes(view)


def _send(conn, **message):
    conn.sendall(json.dumps(message).encode() + b'\n')


def _verify_payload(source):
    """None when the payload is an AnsiballZ wrapper whose ansible/ files match the preloaded tree."""
    import ast  # pylint: disable=import-outside-toplevel
    import base64  # pylint: disable=import-outside-toplevel
    import hashlib  # pylint: disable=import-outside-toplevel
    import re  # pylint: disable=import-outside-toplevel
    import zipfile  # pylint: disable=import-outside-toplevel

    if b'\n_ANSIBALLZ_WRAPPER = True\n' not in source:
        return 'not an AnsiballZ payload'
    match = re.search(rb'\nif __name__ == "__main__":\n    _ansiballz_main\(\n(.*)\n\)\n\Z', source, re.S)
    if not match:
        return 'AnsiballZ call not recognized'
    arguments = {}
    for line in match.group(1).split(b'\n'):
        key, sep, value = line.partition(b'=')
        if not sep or not value.endswith(b','):
            return 'AnsiballZ argument not recognized'
        arguments[key.decode('ascii', 'replace')] = value[:-1]
    if set(arguments) != {'ansible_module', 'module_fqn', 'profile', 'date_time', 'rlimit_nofile', 'params', 'extensions', 'zip_data'}:
        return 'AnsiballZ arguments not recognized'
    try:
        if ast.literal_eval(arguments['extensions'].decode('ascii')) != {}:
            return 'AnsiballZ extensions in use'
        zip_data = base64.b64decode(ast.literal_eval(arguments['zip_data'].decode('ascii')))
        archive = zipfile.ZipFile(io.BytesIO(zip_data))
        index = _STATE['ansible_index']
        inits = _STATE['ansible_inits']
        for name in archive.namelist():
            if not name.startswith('ansible/'):
                continue
            data = archive.read(name)
            if name in inits:
                if data != inits[name]:
                    return 'payload %s differs from the preloaded one' % name
            elif name in index and index[name] != hashlib.sha256(data).hexdigest():
                return 'payload %s differs from the preloaded %s' % (name, _STATE['ansible_root'])
    except Exception as ex:  # pylint: disable=broad-except
        return 'payload not readable (%s)' % ex
    return None


def _check_request(header, source):
    startup = _STATE['startup_sensitive']
    env = header['env']
    if sensitive_subset(env) != startup:
        return 'interpreter environment differs from the warm parent'
    if header.get('argv0') != _STATE['argv0']:
        return 'another interpreter'
    if not os.path.isdir(header['cwd']):
        return 'cwd missing'
    return _verify_payload(source)


def _handle(conn):
    """Handler process. Returns a job for the module process, or exits."""
    fds = []
    started = False
    try:
        header, source, fds = _recv_request(conn)
        if len(fds) != 3:
            raise ValueError('expected 3 descriptors')
        script = header.get('script')
        if script is not None:
            try:
                with open(script, 'rb') as stream:
                    source = stream.read()
            except OSError:
                _send(conn, fallback='script not readable')
                os._exit(0)
        reason = _check_request(header, source)
        if reason:
            _send(conn, fallback=reason)
            os._exit(0)
        pid = os.fork()
        if pid == 0:
            return _Job(conn, header, source, fds)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass
        for fd in fds:
            os.close(fd)
        started = True
        _send(conn, pid=pid)
        while True:
            try:
                _pid, status = os.waitpid(pid, 0)
                break
            except ChildProcessError:
                status = None
                break
            except InterruptedError:
                continue
        try:
            _send(conn, status=status)
        except OSError:
            pass
    except Exception as ex:  # pylint: disable=broad-except
        _log('handler failed: %r' % (ex,))
        if not started:  # once the module runs, the plugin must never run it a second time
            try:
                _send(conn, fallback='handler failed: %r' % (ex,))
            except OSError:
                pass
    os._exit(0)


def _listen(path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    old = os.umask(0o177)
    try:
        sock.bind(path)
    finally:
        os.umask(old)
    sock.listen(128)
    return sock


def _peer_uid(conn):
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize('3i'))
    return struct.unpack('3i', creds)[1]


def serve(config, listener, ready_fd):
    """Parent loop; returns only in a module process, with its job."""
    controller = None
    try:
        controller = os.pidfd_open(config['controller_pid'])
    except (AttributeError, OSError):
        controller = None
    os.write(ready_fd, b'ready\n')
    os.close(ready_fd)
    idle = float(config.get('idle_timeout') or 0) or None
    last = time.monotonic()
    uid = os.getuid()
    watched = [listener] + ([controller] if controller is not None else [])
    try:
        while True:
            timeout = 5.0 if controller is None else (idle or None)
            readable, _w, _x = select.select(watched, [], [], timeout)
            _reap()
            if controller is not None and controller in readable:
                _log('controller %s exited' % config['controller_pid'])
                break
            if controller is None and not _alive(config['controller_pid']):
                break
            if listener not in readable:
                if idle and time.monotonic() - last > idle:
                    _log('idle for %ss' % idle)
                    break
                continue
            try:
                conn, _address = listener.accept()
            except OSError:
                continue
            last = time.monotonic()
            try:
                if _peer_uid(conn) != uid:
                    conn.close()
                    continue
            except OSError:
                conn.close()
                continue
            pid = os.fork()
            if pid == 0:
                listener.detach()
                if controller is not None:
                    os.close(controller)
                return _handle(conn)
            conn.close()
    finally:
        if os.getpid() == _STATE.get('parent_pid'):
            for path in (config['socket_path'], config.get('lock_path')):
                try:
                    if path:
                        os.unlink(path)
                except OSError:
                    pass
    os._exit(0)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _reap():
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# ---------------------------------------------------------------------------------------------------
# module process


def _create_stdio(fd, write, name, encoding, errors, buffered):
    """A standard stream as CPython's create_stdio makes it."""
    buffering = 0 if (not buffered and write) else -1
    buf = io.open(fd, 'wb' if write else 'rb', buffering, None, None, None, False)
    raw = buf.raw if buffering else buf
    raw.name = name
    isatty = raw.isatty()
    line_buffering = bool(buffered and (isatty or fd == 2))
    stream = io.TextIOWrapper(buf, encoding, errors, '\n', line_buffering, not buffered)
    stream.mode = 'w' if write else 'r'
    return stream


class _AnsiblePackagePaths:
    """Until the payload's zip is on sys.path, the preloaded ansible and ansible.module_utils packages
    search the interpreter's tree only. On the first import of an ansible.* module that is not loaded
    yet (the module itself, a module utility the parent did not preload) their __path__ becomes what a
    fresh run's zip packages have after extend_path: the zip's directory first, then the parent's."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):  # pylint: disable=unused-argument
        if fullname.startswith('ansible.') and cls.fix():
            try:
                sys.meta_path.remove(cls)
            except ValueError:
                pass
        return None

    @staticmethod
    def fix():
        import zipimport  # pylint: disable=import-outside-toplevel

        for entry in sys.path:
            if os.path.isdir(os.path.join(entry or '.', 'ansible')):
                return True  # a directory comes first: what the parent searched already
            if not os.path.isfile(entry):
                continue
            try:
                spec = zipimport.zipimporter(entry).find_spec('ansible')
            except Exception:  # pylint: disable=broad-except
                spec = None
            if spec is None or not spec.submodule_search_locations:
                continue
            location = spec.submodule_search_locations[0]
            for name, parts in (('ansible', ()), ('ansible.module_utils', ('module_utils',))):
                package = sys.modules.get(name)
                if package is None:
                    continue
                first = os.path.join(location, *parts) if parts else location
                package.__path__[:] = [first] + [item for item in _STATE['package_paths'][name] if item != first]
            return True
        return False


class _Job:
    """What the module process runs; its exit is the interpreter's."""

    def __init__(self, conn, header, source, fds):
        self.conn = conn
        self.header = header
        self.source = source
        self.fds = fds

    def run(self):
        header = self.header
        stdio = [(sys.stdin, False, '<stdin>'), (sys.stdout, True, '<stdout>'), (sys.stderr, True, '<stderr>')]
        settings = [(stream.encoding, stream.errors) for stream, _write, _name in stdio]
        buffered = not sys.stdout.write_through
        fd = self.conn.detach()
        for target, source_fd in enumerate(self.fds):
            os.dup2(source_fd, target)
        os.closerange(3, _max_fd())
        del fd
        env = dict(header['env'])
        env.update(_STATE['env_added'])
        for key in _STATE['env_removed']:
            env.pop(key, None)
        os.environ.clear()
        os.environ.update(env)
        time.tzset()
        os.umask(header['umask'])
        os.chdir(header['cwd'])
        streams = []
        for target, (stream, write, name) in enumerate(stdio):
            encoding, errors = settings[target]
            streams.append(_create_stdio(target, write, name, encoding, errors, buffered))
        sys.stdin = sys.__stdin__ = streams[0]
        sys.stdout = sys.__stdout__ = streams[1]
        sys.stderr = sys.__stderr__ = streams[2]
        import types  # pylint: disable=import-outside-toplevel
        import builtins  # pylint: disable=import-outside-toplevel
        import importlib.machinery  # pylint: disable=import-outside-toplevel

        script = header.get('script')
        main = types.ModuleType('__main__')
        main.__annotations__ = {}
        main.__builtins__ = builtins
        main.__cached__ = None
        main.__spec__ = None
        main.__package__ = None
        if script is None:
            filename = '<stdin>'
            main.__loader__ = importlib.machinery.BuiltinImporter
            sys.argv = ['']
            first = ''
            sys.orig_argv = [header['argv0']]
        else:
            filename = script
            main.__loader__ = importlib.machinery.SourceFileLoader('__main__', script)
            sys.argv = [script]
            first = os.path.dirname(os.path.realpath(script))
            sys.orig_argv = [header['argv0'], script]
        main.__file__ = filename
        sys.path[:] = [first] + list(_STATE['base_path'])
        sys.modules['__main__'] = main
        sys.meta_path.insert(0, _AnsiblePackagePaths)
        source = self.source
        self.source = self.header = self.conn = self.fds = None
        status = 0
        try:
            code = compile(source, filename, 'exec', dont_inherit=True)
            del source
            exec(code, main.__dict__)  # pylint: disable=exec-used
        except SystemExit as ex:
            status = _exit_status(ex)
        except BaseException as ex:  # pylint: disable=broad-except
            tb = ex.__traceback__.tb_next if ex.__traceback__ is not None else None  # without this frame
            ex.__traceback__ = tb
            sys.last_type, sys.last_value, sys.last_traceback = type(ex), ex, tb
            try:
                sys.excepthook(type(ex), ex, tb)
            except BaseException:  # pylint: disable=broad-except
                pass
            status = 130 if isinstance(ex, KeyboardInterrupt) else 1
            del ex, tb
        raise SystemExit(status)


def _exit_status(ex):
    """The status CPython's handle_system_exit gives (printing a non-int code to stderr)."""
    code = ex.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    try:
        stream = sys.stderr
        if stream is not None:
            stream.write(str(code))
            stream.write('\n')
            stream.flush()
    except Exception:  # pylint: disable=broad-except
        pass
    return 1


def _max_fd():
    try:
        return os.sysconf('SC_OPEN_MAX')
    except (ValueError, OSError):
        return 65536


# ---------------------------------------------------------------------------------------------------
# entry point


def main(config_fd, ready_fd):
    """Called by the bootstrap in the parent. Returns a job only in a module process."""
    if os.fork():  # the spawner waits for this first process only: the parent is not its child
        os._exit(0)
    chunks = []
    while True:
        chunk = os.read(config_fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(config_fd)
    config = json.loads(b''.join(chunks))
    _STATE['parent_pid'] = os.getpid()
    _STATE['argv0'] = config['argv0']
    _STATE['base_path'] = list(sys.path[1:]) if sys.path and sys.path[0] == '' else list(sys.path)
    sys.path[:] = list(_STATE['base_path'])
    startup_env = config['startup_env']
    _STATE['startup_sensitive'] = sensitive_subset(startup_env)
    # what the interpreter itself changed in its environment at start-up (locale coercion)
    _STATE['env_added'] = {key: value for key, value in os.environ.items() if startup_env.get(key) != value}
    _STATE['env_removed'] = [key for key in startup_env if key not in os.environ]
    try:
        problems = preload(config)
    except Exception as ex:  # pylint: disable=broad-except
        problems = ['preload failed: %r' % (ex,)]
    if problems:
        os.write(ready_fd, ('error %s\n' % '; '.join(problems)).encode('utf-8', 'replace'))
        os._exit(1)
    import gc  # pylint: disable=import-outside-toplevel

    gc.collect()
    # Everything loaded so far is never collected: module processes neither traverse nor free it (the
    # models a module process does not take stay untouched, shared with the parent, until it exits).
    gc.freeze()
    listener = _listen(config['socket_path'])
    _log('serving %s for controller %s with %d models, %d precompiled sources' % (
        config['socket_path'], config['controller_pid'], len(_MODEL_CACHE), _STATE.get('precompiled', 0)))
    return serve(config, listener, ready_fd)
