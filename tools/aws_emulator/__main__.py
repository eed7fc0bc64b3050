"""Command line: python -m aws_emulator {start,stop,status,serve} [--host H] [--port P] [--state-dir D].

`start` is idempotent: when the emulator recorded in the state directory's pid file still answers,
it prints `running` and leaves it be; otherwise it starts one in the background and prints
`started`. `stop` ends it and removes the pid file.
"""

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time

PID_FILE = "emulator.pid"


def _answers(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(state_dir):
    try:
        with open(os.path.join(state_dir, PID_FILE), encoding="utf-8") as stream:
            return json.load(stream)
    except (FileNotFoundError, ValueError):
        return None


def running(state_dir):
    state = read_state(state_dir)
    if state and _alive(state["pid"]) and _answers(state["host"], state["port"]):
        return state
    return None


def start(host, port, state_dir, timeout=60):
    """Start the emulator unless it already runs; returns (changed, state)."""
    state = running(state_dir)
    if state:
        if (state["host"], state["port"]) != (host, port):
            raise SystemExit(f"an emulator from {state_dir} already runs on {state['host']}:{state['port']}")
        return False, state
    if _answers(host, port):
        raise SystemExit(f"{host}:{port} is taken by another process")
    os.makedirs(state_dir, exist_ok=True)
    tools_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tools_dir, os.environ.get("PYTHONPATH")])))
    with open(os.path.join(state_dir, "emulator.log"), "ab") as log:
        process = subprocess.Popen(  # pylint: disable=consider-using-with  # runs on after we return
            [sys.executable, "-m", "aws_emulator", "serve", "--host", host, "--port", str(port), "--state-dir", state_dir],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while not _answers(host, port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"the emulator did not start; see {state_dir}/emulator.log")
        time.sleep(0.1)
    state = {"pid": process.pid, "host": host, "port": port, "url": f"http://{host}:{port}"}
    with open(os.path.join(state_dir, PID_FILE), "w", encoding="utf-8") as stream:
        json.dump(state, stream)
    return True, state


def stop(state_dir, timeout=20):
    """Stop the emulator recorded in state_dir; returns True when one was running."""
    state = read_state(state_dir)
    pid_file = os.path.join(state_dir, PID_FILE)
    if not state or not _alive(state["pid"]):
        if os.path.exists(pid_file):
            os.remove(pid_file)
        return False
    os.kill(state["pid"], signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(state["pid"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    if _alive(state["pid"]):
        os.kill(state["pid"], signal.SIGKILL)
    os.remove(pid_file)
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(prog="aws_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", default=".emulator")
    args = parser.parse_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    if args.command == "serve":
        from aws_emulator.server import serve  # pylint: disable=import-outside-toplevel  # moto loads slowly

        serve(args.host, args.port, state_dir)
    elif args.command == "start":
        changed, state = start(args.host, args.port, state_dir)
        print(json.dumps(dict(state, status="started" if changed else "running")))
    elif args.command == "stop":
        print(json.dumps({"status": "stopped" if stop(state_dir) else "not running"}))
    else:
        state = running(state_dir)
        print(json.dumps(dict(state, status="running") if state else {"status": "not running"}))
        return 0 if state else 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
