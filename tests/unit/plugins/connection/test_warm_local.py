"""gameops.platform.warm_local against ansible.builtin.local: real ansible-playbook runs on localhost.

Every test runs the same small playbook twice, once with the plain local connection and once with
the warm one (with and without pipelining), and compares what the runs report: environment,
arguments, cwd, temp dirs, stdin, standard streams, exit codes, crashes, signals, timeouts, check
mode, and that no module sees what an earlier one left behind.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from conftest import COLLECTIONS_PATH

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
# The interpreter's own ansible-playbook; under ansible-test units, whose virtualenv has none, the one on PATH.
BIN = os.path.dirname(sys.executable if os.path.exists(os.path.join(os.path.dirname(sys.executable), "ansible-playbook"))
                      else shutil.which("ansible-playbook") or sys.executable)
WARM = "gameops.platform.warm_local"
LOCAL = "ansible.builtin.local"

PROBE = textwrap.dedent('''\
    #!/usr/bin/python
    # A test module: reports what it sees, leaves state behind, or fails in a chosen way.
    import builtins
    import json
    import os
    import signal
    import stat
    import sys
    import tempfile
    import time

    from ansible.module_utils.basic import AnsibleModule

    MODULE_GLOBAL = globals().get("MODULE_GLOBAL", 0) + 1


    def stream_info(stream):
        return dict(type=type(stream.buffer).__name__, encoding=stream.encoding, errors=stream.errors,
                    line_buffering=stream.line_buffering, write_through=stream.write_through, name=stream.name,
                    mode=stream.mode, isatty=stream.isatty(), seekable=stream.seekable(),
                    fd_mode=stat.S_IFMT(os.fstat(stream.fileno()).st_mode))


    def main():
        module = AnsibleModule(argument_spec=dict(mode=dict(default="report"), leak=dict(type="bool", default=False),
                                                  seconds=dict(type="float", default=0), marker=dict(default=""),
                                                  payload=dict(type="raw")),
                               supports_check_mode=True)
        mode = module.params["mode"]
        if mode == "raise":
            raise RuntimeError("probe crashed")
        if mode == "exit_text":
            sys.exit("probe exit text")
        if mode == "exit3":
            sys.exit(3)
        if mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if mode == "term":
            os.kill(os.getpid(), signal.SIGTERM)
        if mode == "interrupt":
            raise KeyboardInterrupt()
        if mode == "exit_json_noise":
            print("noise before the json")
            sys.stdout.flush()
        if mode == "stderr_noise":
            sys.stderr.write("some stderr\\n")
        if mode == "sleep":
            marker = module.params["marker"]
            if marker:
                def on_signal(number, frame):
                    with open(marker + ".signal", "w") as stream:
                        stream.write(signal.Signals(number).name)
                    sys.exit(9)
                signal.signal(signal.SIGTERM, on_signal)
                with open(marker, "w") as stream:
                    stream.write(str(os.getpid()))
            time.sleep(module.params["seconds"])
        import boto3
        import botocore
        session = boto3.session.Session()
        credentials = session.get_credentials()
        seen = dict(
            default_session=boto3.DEFAULT_SESSION is not None,
            botocore_attr=hasattr(botocore, "PROBE_LEAK"),
            builtins_attr=hasattr(builtins, "PROBE_LEAK"),
            env="PROBE_LEAK" in os.environ,
            module_global=MODULE_GLOBAL,
            access_key=credentials.access_key if credentials else None,
            region=session.region_name,
            endpoint=session.client("sts").meta.endpoint_url,
        )
        if module.params["leak"]:
            boto3.setup_default_session(aws_access_key_id="LEAKED", aws_secret_access_key="LEAKED", region_name="eu-west-1")
            botocore.PROBE_LEAK = True
            builtins.PROBE_LEAK = True
            os.environ["PROBE_LEAK"] = "1"
            tempfile.tempdir = "/leaked"
        umask = os.umask(0)
        os.umask(umask)
        main_module = sys.modules["__main__"]
        module.exit_json(
            changed=False,
            mode=mode,
            seen=seen,
            env=dict(os.environ),
            cwd=os.getcwd(),
            argv=sys.argv,
            orig_argv=sys.orig_argv,
            path=sys.path,
            module_globals=sorted(name for name in globals() if not name.startswith("__") or name in ("__name__", "__file__")),
            main_name=main_module.__name__,
            umask=umask,
            stdin=sys.stdin.read(),
            stdio=[stream_info(stream) for stream in (sys.stdin, sys.stdout, sys.stderr)],
            fds=sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
            tempdir=tempfile.gettempdir(),
            check_mode=module.check_mode,
            flags=str(sys.flags),
            executable=sys.executable,
            signals={name: str(signal.getsignal(getattr(signal, name))) for name in ("SIGINT", "SIGTERM", "SIGPIPE", "SIGCHLD", "SIGHUP")},
            payload=module.params["payload"],
        )


    if __name__ == "__main__":
        main()
''')

SHELL_MODULE = textwrap.dedent('''\
    #!/bin/sh
    # WANT_JSON
    echo '{"changed": false, "shell_module": true, "args_file": "'"$1"'"}'
''')

RECORD = textwrap.dedent('''\
    import json
    import os

    from ansible.plugins.callback import CallbackBase


    class CallbackModule(CallbackBase):
        CALLBACK_VERSION = 2.0
        CALLBACK_TYPE = "aggregate"
        CALLBACK_NAME = "record"
        CALLBACK_NEEDS_ENABLED = True

        def __init__(self):
            super().__init__()
            self.results = []

        def _record(self, status, result):
            self.results.append(dict(task=result.task_name, status=status, result=result._result))

        def v2_runner_on_ok(self, result):
            self._record("ok", result)

        def v2_runner_on_failed(self, result, ignore_errors=False):
            self._record("failed", result)

        def v2_runner_on_unreachable(self, result):
            self._record("unreachable", result)

        def v2_playbook_on_stats(self, stats):
            with open(os.environ["RECORD_OUT"], "w") as stream:
                json.dump(self.results, stream, default=str)
''')

RANDOM = [
    (re.compile(r"ansible_[a-z0-9_]+?_payload_[A-Za-z0-9_]+"), "PAYLOAD"),
    (re.compile(r"ansible-tmp-[0-9.]+-[0-9]+-[0-9]+"), "ANSIBLE-TMP"),
    (re.compile(r"ansible-local-[0-9]+[a-z0-9_]+"), "ANSIBLE-LOCAL"),
    (re.compile(r"/tmp/ansible-moduletmp-[0-9.]+-[A-Za-z0-9_]+"), "MODULETMP"),
    (re.compile(r"\bj[0-9]+\.[0-9]+\b"), "JOB-ID"),
]


SITE_ANSIBLE = re.compile(r'"[^"]*/site-packages/ansible/|"/tmp/PAYLOAD/ansible_[a-z_]+_payload\.zip/ansible/')


def normalise_traceback(text):
    """A traceback's frames and message; the files of preloaded ansible.module_utils code are named by the
    interpreter's tree instead of the payload's zip (same content, checked), which also shows their lines."""
    kept = []
    for line in text.splitlines():
        if line.startswith(("Traceback", "  File ")) or not line.startswith(" "):
            kept.append(SITE_ANSIBLE.sub('"ANSIBLE/', line))
    return "\n".join(kept)


def normalise(value):
    if isinstance(value, dict):
        return {key: normalise(item) for key, item in value.items() if key not in VOLATILE}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if isinstance(value, str):
        for pattern, replacement in RANDOM:
            value = pattern.sub(replacement, value)
        if "Traceback (most recent call last)" in value:
            value = normalise_traceback(value)
    return value


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    base = tmp_path_factory.mktemp("warm_local")
    (base / "library").mkdir()
    (base / "library" / "probe.py").write_text(PROBE)
    (base / "library" / "shell_probe").write_text(SHELL_MODULE)
    (base / "callback_plugins").mkdir()
    (base / "callback_plugins" / "record.py").write_text(RECORD)
    (base / "inventory").write_text("localhost ansible_python_interpreter=%s\n" % sys.executable)
    return base


def run_playbook(project, tasks, connection, pipelining=True, extra_args=(), play_extra=None, env=None, name="play"):
    """Run `tasks` on localhost over `connection`; returns (process, [recorded results])."""
    play = dict(hosts="localhost", gather_facts=False, tasks=tasks, **(play_extra or {}))
    playbook = project / ("%s.yml" % name)
    playbook.write_text(json.dumps([play], indent=1))
    out = project / "record.json"  # the same path for both connections: it is in every module's environment
    if out.exists():
        out.unlink()
    run_env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH,
                   ANSIBLE_CALLBACK_PLUGINS=str(project / "callback_plugins"), ANSIBLE_CALLBACKS_ENABLED="record",
                   ANSIBLE_PIPELINING=str(pipelining), ANSIBLE_NOCOLOR="1", RECORD_OUT=str(out),
                   ANSIBLE_LIBRARY=str(project / "library"), **(env or {}))
    command = [os.path.join(BIN, "ansible-playbook"), "-i", str(project / "inventory"), str(playbook),
               "-e", "ansible_connection=%s" % connection, *extra_args]
    process = subprocess.run(command, cwd=str(project), env=run_env, capture_output=True, text=True, check=False, timeout=600)
    results = json.loads(out.read_text()) if out.exists() else None
    assert results is not None, process.stdout[-3000:] + process.stderr[-3000:]
    return process, results


VOLATILE = ("invocation", "_ansible_no_log", "start", "end", "delta", "warnings", "deprecations", "atime")


def comparable(results):
    """The results without what differs between any two runs (timings, random temp names)."""
    cleaned = []
    for item in results:
        result = {key: value for key, value in item["result"].items() if key not in VOLATILE}
        cleaned.append(dict(task=item["task"], status=item["status"], result=normalise(result)))
    return cleaned


def differences(left, right, path=""):
    """Where two JSON values differ, as 'path: left != right' lines."""
    if isinstance(left, dict) and isinstance(right, dict):
        lines = []
        for key in sorted(set(left) | set(right), key=str):
            lines += differences(left.get(key, "<missing>"), right.get(key, "<missing>"), "%s/%s" % (path, key))
        return lines
    if isinstance(left, list) and isinstance(right, list) and len(left) == len(right):
        lines = []
        for index, (one, other) in enumerate(zip(left, right)):
            lines += differences(one, other, "%s[%d]" % (path, index))
        return lines
    return [] if left == right else ["%s: %r != %r" % (path, left, right)]


def compare_runs(project, tasks, pipelinings=(True, False), **kwargs):
    """Run over local then warm; assert the same reports; return the warm results."""
    warm_results = None
    for pipelining in pipelinings:
        local_process, local = run_playbook(project, tasks, LOCAL, pipelining=pipelining, **kwargs)
        warm_process, warm = run_playbook(project, tasks, WARM, pipelining=pipelining, **kwargs)
        diff = differences(comparable(warm), comparable(local))
        assert not diff, "warm != local (pipelining %s):\n%s" % (pipelining, "\n".join(diff[:40]))
        assert warm_process.returncode == local_process.returncode
        warm_results = warm
    return warm_results


def warm_count(project, tasks, **kwargs):
    """How many module runs went through the warm interpreter (EXEC (warm) lines at -vvv)."""
    process, _results = run_playbook(project, tasks, WARM, extra_args=("-vvv",), **kwargs)
    return process.stdout.count("EXEC (warm)")


AWS_ENV = {"AWS_ACCESS_KEY_ID": "first", "AWS_SECRET_ACCESS_KEY": "secret one", "AWS_DEFAULT_REGION": "ap-northeast-2",
           "AWS_ENDPOINT_URL": "http://127.0.0.1:9", "WITH_QUOTES": "it's \"quoted\" $HOME `x` a\nb", "PWD": "/"}


def test_environment_arguments_cwd_stdin_and_streams_as_local(project):
    tasks = [
        {"name": "report", "probe": {"payload": {"nested": ["a", 1, None], "text": "é ' \""}}, "environment": AWS_ENV},
        {"name": "task environment over the play's", "probe": {}, "environment": dict(AWS_ENV, AWS_ACCESS_KEY_ID="second")},
        {"name": "no environment", "probe": {}},
    ]
    results = compare_runs(project, tasks, play_extra={"environment": {"PLAY_LEVEL": "1"}})
    first, second, third = (item["result"] for item in results)
    assert first["env"]["AWS_ACCESS_KEY_ID"] == "first" and first["seen"]["access_key"] == "first"
    assert first["env"]["WITH_QUOTES"] == AWS_ENV["WITH_QUOTES"]
    assert first["seen"]["endpoint"] == "http://127.0.0.1:9"
    assert second["seen"]["access_key"] == "second"
    assert "AWS_ACCESS_KEY_ID" not in third["env"] and third["env"]["PLAY_LEVEL"] == "1"
    assert first["payload"] == {"nested": ["a", 1, None], "text": "é ' \""}
    assert first["cwd"] == str(project) and first["stdin"] == "" and first["fds"] == [0, 1, 2, 3]
    assert warm_count(project, tasks) == 3


NO_CREDENTIALS = {"AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                  "AWS_EC2_METADATA_DISABLED": "true"}


def test_isolation_nothing_leaks_from_one_module_to_the_next(project):
    tasks = [
        {"name": "leak", "probe": {"leak": True}, "environment": AWS_ENV},
        {"name": "after the leak", "probe": {}, "environment": dict(AWS_ENV, AWS_ACCESS_KEY_ID="other")},
        {"name": "without credentials", "probe": {}, "environment": NO_CREDENTIALS},
    ]
    results = compare_runs(project, tasks, pipelinings=(True,))
    for item in results[1:]:
        seen = item["result"]["seen"]
        assert seen["default_session"] is False and seen["botocore_attr"] is False and seen["builtins_attr"] is False
        assert seen["env"] is False and seen["module_global"] == 1
        assert item["result"]["tempdir"] != "/leaked"
    assert results[1]["result"]["seen"]["access_key"] == "other"
    assert results[2]["result"]["seen"]["access_key"] is None


@pytest.mark.parametrize("pipelining", [True, False])
def test_failures_reported_as_local(project, pipelining):
    modes = ["raise", "exit_text", "exit3", "kill", "term", "interrupt", "exit_json_noise", "stderr_noise"]
    tasks = [{"name": mode, "probe": {"mode": mode}, "ignore_errors": True} for mode in modes]
    results = compare_runs(project, tasks, pipelinings=(pipelining,))
    by_task = {item["task"]: item for item in results}
    assert by_task["raise"]["status"] == "failed" and "probe crashed" in json.dumps(by_task["raise"]["result"])
    assert by_task["exit3"]["result"]["rc"] == 3
    assert by_task["kill"]["result"]["rc"] == 137 and "Killed" in by_task["kill"]["result"]["module_stderr"]
    assert by_task["term"]["result"]["rc"] == 143
    assert by_task["exit_text"]["result"]["module_stderr"].strip().endswith("probe exit text")
    assert by_task["exit_json_noise"]["status"] == "ok"


def test_check_mode_as_local(project):
    tasks = [{"name": "report", "probe": {}}]
    results = compare_runs(project, tasks, pipelinings=(True,), extra_args=("--check",))
    assert results[0]["result"]["check_mode"] is True


def test_timeout_as_local(project):
    tasks = [{"name": "too slow", "probe": {"mode": "sleep", "seconds": 8}, "timeout": 2, "ignore_errors": True},
             {"name": "next", "probe": {}}]
    results = compare_runs(project, tasks, pipelinings=(True,))
    assert results[0]["status"] == "failed" and "timed out" in results[0]["result"]["msg"].lower()


def test_builtin_modules_and_fallbacks_as_local(project):
    tasks = [
        {"name": "ping", "ansible.builtin.ping": {"data": "pong!"}},
        {"name": "command", "ansible.builtin.command": {"cmd": "sh -c 'pwd; echo $WITH_QUOTES; exit 4'"}, "environment": AWS_ENV,
         "ignore_errors": True, "register": "out"},
        {"name": "shell module", "shell_probe": {"x": 1}},
        {"name": "raw", "ansible.builtin.raw": "echo raw"},
        {"name": "async", "probe": {"mode": "sleep", "seconds": 1}, "async": 20, "poll": 1},
        {"name": "stat", "ansible.builtin.stat": {"path": "/etc/hostname"}},
    ]
    results = compare_runs(project, tasks)
    assert [item["status"] for item in results] == ["ok", "failed", "ok", "ok", "ok", "ok"]
    assert results[2]["result"]["shell_module"] is True
    # ping, command, the async status polls and stat run warm; the shell module, raw and async_wrapper do not
    assert warm_count(project, tasks) >= 3


def children(pid):
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not os.access("/usr/bin/python3", os.X_OK), reason="no system python3")
def test_another_interpreter_as_local(project):
    """An interpreter without ansible-core: its warm parent cannot preload, so its modules run the plain local way."""
    tasks = [{"name": "system python", "probe": {"mode": "stderr_noise"}, "vars": {"ansible_python_interpreter": "/usr/bin/python3"},
              "environment": AWS_ENV, "ignore_errors": True},
             {"name": "ping", "ansible.builtin.ping": {}, "vars": {"ansible_python_interpreter": "/usr/bin/python3"}}]
    results = compare_runs(project, tasks, pipelinings=(True,))
    assert results[1]["status"] == "ok"
    assert warm_count(project, tasks) == 0


def test_signal_to_the_worker_reaches_the_module(project, tmp_path):
    """A worker told to stop (SIGTERM, as ansible-playbook stops its workers) passes it to its process
    group (WorkerProcess._term): the module gets it, as it does under the plain local connection."""
    reports = {}
    for connection in (LOCAL, WARM):
        marker = tmp_path / connection
        tasks = [{"name": "long", "probe": {"mode": "sleep", "seconds": 30, "marker": str(marker)}}]
        playbook = project / "signal.yml"
        playbook.write_text(json.dumps([dict(hosts="localhost", gather_facts=False, tasks=tasks)]))
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_PIPELINING="True",
                   ANSIBLE_COLLECTIONS_PATH=COLLECTIONS_PATH, ANSIBLE_LIBRARY=str(project / "library"))
        process = subprocess.Popen([os.path.join(BIN, "ansible-playbook"), "-i", str(project / "inventory"), str(playbook),
                                    "-e", "ansible_connection=%s" % connection], cwd=str(project), env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert marker.exists()
        time.sleep(0.5)
        workers = children(process.pid)
        assert workers
        for worker in workers:
            os.kill(worker, signal.SIGTERM)
        stdout, _stderr = process.communicate(timeout=60)
        signal_file = tmp_path / (connection + ".signal")
        deadline = time.monotonic() + 10
        while not signal_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        reports[connection] = (signal_file.read_text() if signal_file.exists() else None, process.returncode)
        try:
            os.kill(int(marker.read_text()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
    assert reports[WARM] == reports[LOCAL]
    assert reports[WARM][0] == "SIGTERM"


def test_aws_module_against_the_emulator_as_local(project, emulator):
    env = dict(emulator.env())
    tasks = [
        {"name": "vpcs", "amazon.aws.ec2_vpc_net_info": {}, "environment": env},
        {"name": "caller", "amazon.aws.aws_caller_info": {}, "environment": env},
        {"name": "bad region", "amazon.aws.ec2_vpc_net_info": {"region": "nowhere-1"}, "environment": env, "ignore_errors": True},
    ]
    results = compare_runs(project, tasks, pipelinings=(True,))
    assert results[0]["status"] == "ok" and results[1]["status"] == "ok"


def test_lifecycle_private_socket_and_stop_with_the_controller(project):
    tasks = [{"name": "ping", "ansible.builtin.ping": {}}]
    process, _results = run_playbook(project, tasks, WARM, extra_args=("-vvv",))
    assert "EXEC (warm)" in process.stdout
    directory = "/tmp/gameops-warm-local-%d" % os.getuid()
    import tempfile  # pylint: disable=import-outside-toplevel

    directory = os.path.join(tempfile.gettempdir(), "gameops-warm-local-%d" % os.getuid())
    info = os.lstat(directory)
    assert info.st_mode & 0o777 == 0o700 and info.st_uid == os.getuid()
    # Only this run's sockets: other ansible-playbook runs (every inventory uses warm_local) may have theirs.
    controller = re.search(r"warm_local: starting a warm \S+ for controller (\d+)", process.stdout).group(1)

    def own_sockets():
        return [name for name in os.listdir(directory) if name.startswith(controller + "-") and name.endswith(".sock")]

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and own_sockets():
        time.sleep(0.2)
    assert not own_sockets(), "a warm parent outlived its controller"


def load_server():
    """The server file's namespace, as the bootstrap loads it."""
    path = os.path.join(ROOT, "plugins", "plugin_utils", "warm_local_server.py")
    namespace = {"__name__": "_gameops_warm_local_server", "__file__": path}
    with open(path, "rb") as stream:
        exec(compile(stream.read(), path, "exec", dont_inherit=True), namespace)  # pylint: disable=exec-used
    return namespace


def same_code(left, right):
    """None when two code objects are the same in every field (co_filename too, nested ones too)."""
    import types  # pylint: disable=import-outside-toplevel

    for attribute in ("co_argcount", "co_cellvars", "co_code", "co_exceptiontable", "co_filename", "co_firstlineno", "co_flags",
                      "co_freevars", "co_kwonlyargcount", "co_linetable", "co_name", "co_names", "co_nlocals", "co_posonlyargcount",
                      "co_qualname", "co_stacksize", "co_varnames"):
        if getattr(left, attribute) != getattr(right, attribute):
            return "%s.%s" % (left.co_qualname, attribute)
    if list(left.co_positions()) != list(right.co_positions()) or len(left.co_consts) != len(right.co_consts):
        return "%s positions/consts" % left.co_qualname
    for one, other in zip(left.co_consts, right.co_consts):
        if isinstance(one, types.CodeType):
            difference = same_code(one, other)
            if difference:
                return difference
        elif type(one) is not type(other) or one != other:
            return "%s constant %r" % (left.co_qualname, one)
    return None


def test_precompiled_module_utils_are_what_compile_makes():
    """The warm parent's precompiled code, renamed for a payload's zip entry, is what zipimport would compile."""
    import glob  # pylint: disable=import-outside-toplevel
    import zipimport  # pylint: disable=import-outside-toplevel

    with_filename = load_server()["_with_filename"]
    files = sorted(glob.glob(os.path.join(ROOT, "plugins", "module_utils", "*.py")))
    import ansible_collections.amazon.aws.plugins.module_utils as amazon_utils  # pylint: disable=import-outside-toplevel

    files += sorted(glob.glob(os.path.join(os.path.dirname(amazon_utils.__file__), "**", "*.py"), recursive=True))
    assert len(files) > 20
    for path in files:
        with open(path, "rb") as stream:
            source = zipimport._normalize_line_endings(stream.read())  # pylint: disable=protected-access
        entry = "/tmp/ansible_x_payload_abc/ansible_x_payload.zip/" + path.lstrip("/")
        expected = compile(source, entry, "exec", dont_inherit=True)
        renamed = with_filename(compile(source, "<warm_local>", "exec", dont_inherit=True), entry)
        assert same_code(renamed, expected) is None, path


def test_module_command_recognised_only_when_rebuilt_exactly():
    """Only the exact command ActionBase builds runs warm; anything else (more arguments, become, odd names) does not."""
    from ansible.plugins.loader import get_shell_plugin  # pylint: disable=import-outside-toplevel
    from ansible_collections.gameops.platform.plugins.connection import warm_local  # pylint: disable=import-outside-toplevel

    shell = get_shell_plugin(shell_type="sh", executable="/bin/sh")
    parse = warm_local.parse_module_command
    env = shell.env_prefix(A="1", B="it's $x `y`\nz")
    command = "/bin/sh -c " + shlex_quote(env + " /usr/bin/python3 && sleep 0")
    assert parse(command, shell, "/bin/sh") == ({"A": "1", "B": "it's $x `y`\nz"}, "/usr/bin/python3", None)
    script = "/bin/sh -c " + shlex_quote("/usr/bin/python3 /tmp/x/AnsiballZ_ping.py && sleep 0")
    assert parse(script, shell, "/bin/sh") == ({}, "/usr/bin/python3", "/tmp/x/AnsiballZ_ping.py")
    for other in ("/bin/sh -c " + shlex_quote("/usr/bin/python3 /tmp/a.py /tmp/args && sleep 0"),
                  "/bin/sh -c " + shlex_quote("sudo -H -S -n -u root /bin/sh -c 'echo BECOME; /usr/bin/python3' && sleep 0"),
                  "/bin/sh -c " + shlex_quote("A-B=1 /usr/bin/python3 && sleep 0"),
                  "/bin/sh -c " + shlex_quote("/usr/bin/python3; rm -rf /tmp/x && sleep 0"),
                  "/bin/sh -c " + shlex_quote("/usr/bin/python3 && sleep 0") + " ",
                  "/bin/bash -c " + shlex_quote("/usr/bin/python3 && sleep 0")):
        assert parse(other, shell, "/bin/sh") is None, other


def shlex_quote(text):
    import shlex  # pylint: disable=import-outside-toplevel

    return shlex.quote(text)
