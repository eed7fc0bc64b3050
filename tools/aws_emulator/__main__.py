"""Command line: python -m aws_emulator {start,stop,status,serve} [--host H] [--port P] [--state-dir D].

`start` is idempotent: when the emulator recorded in the state directory's pid file still answers,
it prints `running` and leaves it be; otherwise it starts one in the background and prints
`started`. `stop` ends it and removes the pid file.

`start` and `serve` take the emulator's behaviour for its whole life (each also read from the
environment): `--latency S` (AWS_EMULATOR_SECONDS_PER_MINUTE: emulator seconds per real minute a
resource spends creating or deleting; 0, the default, settles everything at once), `--faults
throttle=0.2,error5xx=0.05` (AWS_EMULATOR_FAULTS: the fraction of AWS requests answered with a
throttling or server error) and `--fault-seed N` (AWS_EMULATOR_FAULT_SEED).
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
        os.waitpid(pid, os.WNOHANG)  # reaps it if it is a child of ours that has ended: a zombie still answers kill(pid, 0)
    except ChildProcessError:
        pass
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


def start(host, port, state_dir, timeout=60, settings=None):
    """Start the emulator unless it already runs; returns (changed, state).

    ``settings``: environment variables for the new emulator (latency model, faults), see behaviour().
    """
    state = running(state_dir)
    if state:
        if (state["host"], state["port"]) != (host, port):
            raise SystemExit(f"an emulator from {state_dir} already runs on {state['host']}:{state['port']}")
        return False, state
    if _answers(host, port):
        raise SystemExit(f"{host}:{port} is taken by another process")
    os.makedirs(state_dir, exist_ok=True)
    tools_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [tools_dir, os.environ.get("PYTHONPATH")])), **(settings or {}))
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


def behaviour(args):
    """The environment variables for the options given: {} when none is."""
    # pylint: disable=import-outside-toplevel  # stop and status need neither
    from aws_emulator import faults, latency

    settings = {}
    if args.latency is not None:
        if args.latency < 0:
            raise SystemExit("--latency takes emulator seconds per real minute, 0 or more")
        settings[latency.SCALE_VARIABLE] = str(args.latency)
    if args.faults is not None:
        try:
            faults.parse(args.faults)
        except ValueError as error:
            raise SystemExit(f"--faults: {error}") from None
        settings[faults.FAULTS_VARIABLE] = args.faults
    if args.fault_seed is not None:
        settings[faults.SEED_VARIABLE] = str(args.fault_seed)
    return settings


def main(argv=None):
    parser = argparse.ArgumentParser(prog="aws_emulator", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["start", "stop", "status", "serve"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-dir", default=".emulator")
    parser.add_argument("--latency", type=float, help="emulator seconds per real minute of creation and deletion (default 0)")
    parser.add_argument("--faults", help="fractions of AWS requests to fail, e.g. throttle=0.2,error5xx=0.05")
    parser.add_argument("--fault-seed", type=int, help="seed of the fault injector, for runs that fail the same requests")
    args = parser.parse_args(argv)
    state_dir = os.path.abspath(args.state_dir)
    if args.command == "serve":
        from aws_emulator.server import serve  # pylint: disable=import-outside-toplevel  # moto loads slowly

        os.environ.update(behaviour(args))
        serve(args.host, args.port, state_dir)
    elif args.command == "start":
        changed, state = start(args.host, args.port, state_dir, settings=behaviour(args))
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
