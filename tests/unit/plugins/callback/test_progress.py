import json
import os
import subprocess

from ansible.plugins.loader import callback_loader

from ansible_collections.gameops.platform.plugins.callback import progress
from ansible_collections.gameops.platform.plugins.module_utils import waiting


class Lines:
    """A stand-in for Ansible's Display that keeps what was printed."""

    verbosity = 0

    def __init__(self):
        self.lines = []

    def display(self, msg, **_kwargs):
        self.lines.append(msg)


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def callback(directory, interval=30):
    lines, clock = Lines(), Clock(1000.0)
    # Through the plugin loader, which reads the options from DOCUMENTATION as Ansible does.
    plugin = callback_loader.get("gameops.platform.progress", display=lines, clock=clock)
    plugin.set_options(direct={"interval": interval})
    plugin.directory = str(directory)
    return plugin, lines, clock


def write_wait(directory, name, pid, started, state="creating"):
    with open(os.path.join(str(directory), name), "w", encoding="utf-8") as handle:
        json.dump({"resource": "cluster queue-infra-local to be active", "pid": pid, "started": started, "state": state}, handle)


def test_a_line_at_each_interval_of_elapsed_time(tmp_path):
    plugin, lines, clock = callback(tmp_path)
    write_wait(tmp_path, "1-1.json", os.getpid(), started=1000.0)
    for now in (1010, 1029, 1030, 1045, 1061, 1090, 1000 + 3600):
        clock.now = now
        plugin.tick()
    assert lines.lines == [
        "cluster queue-infra-local to be active: Still creating... [30s elapsed]",
        "cluster queue-infra-local to be active: Still creating... [1m1s elapsed]",
        "cluster queue-infra-local to be active: Still creating... [1m30s elapsed]",
        "cluster queue-infra-local to be active: Still creating... [1h0m0s elapsed]",
    ]


def test_waits_of_dead_modules_and_half_files_are_left_out(tmp_path):
    plugin, lines, clock = callback(tmp_path, interval=5)
    gone = subprocess.Popen(["true"])  # pylint: disable=consider-using-with
    gone.wait()
    write_wait(tmp_path, "2-1.json", gone.pid, started=900.0)
    (tmp_path / "3-1.json").write_text('{"resource": ')
    clock.now = 2000
    plugin.tick()
    assert not lines.lines


def test_the_waiter_reports_its_state_then_removes_its_file(tmp_path, monkeypatch):
    monkeypatch.setenv(waiting.PROGRESS_DIR_VARIABLE, str(tmp_path))
    seen = []

    def describe():
        seen.append([json.loads(path.read_text()) for path in tmp_path.iterdir()])
        return {"status": {"statusCode": "CREATING"}} if len(seen) < 3 else {"status": {"statusCode": "ACTIVE"}}

    monkeypatch.setattr(waiting, "FIRST_INTERVAL", 0.01)
    waiting.wait_until(describe, lambda result: result["status"]["statusCode"] == "ACTIVE", timeout=10, delay=0.01, what="AMP workspace ws-1")
    assert seen[1][0]["resource"] == "AMP workspace ws-1" and seen[1][0]["state"] == "creating"
    assert seen[1][0]["pid"] == os.getpid()
    assert not list(tmp_path.iterdir())


def test_elapsed_as_terraform_writes_it():
    assert [progress.elapsed_text(s) for s in (9, 60, 61, 3725)] == ["9s", "1m0s", "1m1s", "1h2m5s"]


def test_start_names_the_directory_for_the_modules_and_stop_removes_it(tmp_path, monkeypatch):
    monkeypatch.delenv(progress.PROGRESS_DIR_VARIABLE, raising=False)
    plugin, _lines, _clock = callback(tmp_path)
    plugin.start()
    directory = os.environ[progress.PROGRESS_DIR_VARIABLE]
    assert os.path.isdir(directory)
    plugin.stop()
    assert not os.path.exists(directory) and progress.PROGRESS_DIR_VARIABLE not in os.environ
