import pytest

from ansible_collections.gameops.platform.plugins.module_utils import waiting


def test_returns_once_done(monkeypatch):
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    states = iter(["CREATING", "CREATING", "ACTIVE"])
    assert waiting.wait_until(lambda: next(states), lambda state: state == "ACTIVE", timeout=60, delay=1) == "ACTIVE"


def test_failure_states_end_the_wait_with_their_message():
    with pytest.raises(waiting.WaitTimeout, match="addon vpc-cni failed: CREATE_FAILED"):
        waiting.wait_until(lambda: "CREATE_FAILED", lambda state: state == "ACTIVE", timeout=60,
                           failed=lambda state: state if state.endswith("FAILED") else None, what="addon vpc-cni")


def test_times_out_with_the_last_state(monkeypatch):
    clock = iter(range(0, 1000, 7))
    monkeypatch.setattr(waiting.time, "monotonic", lambda: next(clock))
    monkeypatch.setattr(waiting.time, "sleep", lambda seconds: None)
    with pytest.raises(waiting.WaitTimeout) as error:
        waiting.wait_until(lambda: "CREATING", lambda state: state == "ACTIVE", timeout=30, delay=5, what="cluster")
    assert "timed out after 30s waiting for cluster" in str(error.value) and error.value.last == "CREATING"


def test_polls_soon_then_less_often(monkeypatch):
    slept = []
    monkeypatch.setattr(waiting.time, "sleep", slept.append)
    states = iter(["CREATING"] * 7 + ["ACTIVE"])
    assert waiting.wait_until(lambda: next(states), lambda state: state == "ACTIVE", timeout=600, delay=10) == "ACTIVE"
    assert slept == [1, 2, 4, 8, 10, 10, 10]
