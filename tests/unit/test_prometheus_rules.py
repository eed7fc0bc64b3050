"""The Prometheus rule files the metrics role ships: promtool checks them and runs their unit tests."""

import glob
import os
import shutil
import subprocess

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES_DIR = os.path.join(ROOT, "roles", "metrics", "files", "rules")
RULE_FILES = sorted(glob.glob(os.path.join(RULES_DIR, "*.yml")))
TEST_FILES = sorted(glob.glob(os.path.join(RULES_DIR, "tests", "*.yml")))


def name(path):
    return os.path.basename(path)


def promtool_run(promtool, *args):
    return subprocess.run([promtool, *args], capture_output=True, text=True, check=False)


def load(path):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def alert_names(rule_file):
    return [rule["alert"] for group in load(rule_file)["groups"] for rule in group["rules"] if "alert" in rule]


def test_the_rule_sets_are_there():
    assert [name(path) for path in RULE_FILES] == ["eks.yml", "gamepulse.yml", "queue.yml", "valkey.yml"]
    assert [name(path) for path in TEST_FILES] == ["eks_test.yml", "gamepulse_test.yml", "queue_test.yml", "valkey_test.yml"]


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=name)
def test_promtool_check_rules(promtool, rule_file):
    result = promtool_run(promtool, "check", "rules", rule_file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("test_file", TEST_FILES, ids=name)
def test_promtool_test_rules(promtool, test_file):
    result = promtool_run(promtool, "test", "rules", test_file)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("rule_file", RULE_FILES, ids=name)
def test_each_alert_is_tested_firing_and_quiet(rule_file):
    """The rule file's test names every alert at least once with expected alerts and once with none."""
    test_file = os.path.join(RULES_DIR, "tests", name(rule_file).replace(".yml", "_test.yml"))
    document = load(test_file)
    assert document["rule_files"] == ["../" + name(rule_file)]
    checks = [check for test in document["tests"] for check in test.get("alert_rule_test", [])]
    for alert in alert_names(rule_file):
        expectations = [bool(check["exp_alerts"]) for check in checks if check["alertname"] == alert]
        assert True in expectations, "%s is never tested firing" % alert
        assert False in expectations, "%s is never tested quiet" % alert


def test_gamepulse_keeps_the_seed_alerts():
    [group] = load(os.path.join(RULES_DIR, "gamepulse.yml"))["groups"]
    rules = dict((rule["alert"], (rule["expr"], rule["for"], rule["labels"]["severity"])) for rule in group["rules"])
    assert rules == {
        "HighErrorRate": ('rate(http_requests_total{status=~"5.."}[5m]) > 0.1', "2m", "critical"),
        "HighResponseTime": ("histogram_quantile(0.95, rate(http_request_duration_seconds_bucket[5m])) > 1", "5m", "warning"),
    }


def copy_rule_set(tmp_path, rule_set):
    """The rule file and its test in a tmp tree laid out as the role's, for breaking one."""
    (tmp_path / "tests").mkdir()
    shutil.copy(os.path.join(RULES_DIR, rule_set + ".yml"), tmp_path)
    shutil.copy(os.path.join(RULES_DIR, "tests", rule_set + "_test.yml"), tmp_path / "tests")
    return tmp_path / (rule_set + ".yml"), tmp_path / "tests" / (rule_set + "_test.yml")


def test_a_changed_threshold_fails_its_test(promtool, tmp_path):
    rule_file, test_file = copy_rule_set(tmp_path, "valkey")
    text = rule_file.read_text(encoding="utf-8")
    assert "redis_connected_clients > 5000" in text
    rule_file.write_text(text.replace("redis_connected_clients > 5000", "redis_connected_clients > 50000"), encoding="utf-8")
    assert promtool_run(promtool, "check", "rules", str(rule_file)).returncode == 0
    result = promtool_run(promtool, "test", "rules", str(test_file))
    assert result.returncode != 0
    assert "ValkeyTooManyConnections" in result.stdout + result.stderr


def test_a_broken_expression_fails_the_check(promtool, tmp_path):
    rule_file = copy_rule_set(tmp_path, "eks")[0]
    text = rule_file.read_text(encoding="utf-8")
    rule_file.write_text(text.replace("== 0", "== == 0", 1), encoding="utf-8")
    result = promtool_run(promtool, "check", "rules", str(rule_file))
    assert result.returncode != 0
    assert "parse error" in result.stdout + result.stderr
