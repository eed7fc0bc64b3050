"""The datastores section of the platform spec: defaults from seed 001, and every bad input refused in preflight
with its field path (no AWS call is made: preflight runs on the controller only)."""

import copy

import pytest

from ansible_collections.gameops.platform.plugins.module_utils import datastores_spec
from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

BASE = {
    "name": "playcode", "environment": "prod", "region": "ap-northeast-2",
    "network": {"cidr": "10.0.0.0/16"},
    "eks": {"version": "1.35", "node_groups": [{"name": "general", "instance_types": ["t3.large"], "min_size": 2, "max_size": 4}]},
    "buckets": {"uploads": {}, "backups": {}},
    "kubernetes": {"delivery": "render", "namespaces": {"apps": "playcode"}, "observability": {"enabled": False},
                   "apps": [{"name": "playcode-app", "image": "ghcr.io/playcode/app", "tag": "1.0.0", "port": 3000, "uses": ["datastores"]},
                            {"name": "worker", "image": "ghcr.io/playcode/worker", "tag": "1.0.0", "port": 8080}]},
    "datastores": {},
}


def spec(**datastores):
    given = copy.deepcopy(BASE)
    given["datastores"] = datastores
    return given


def errors_of(given):
    with pytest.raises(SpecError) as refused:
        preflight(given)
    return refused.value.errors


def test_defaults_are_the_seeds_and_the_layer_builds_before_kubernetes():
    platform, plan = preflight(spec())
    stores = platform["datastores"]
    assert (stores["mongodb"]["version"], stores["mongodb"]["volume_size"]) == ("7.0", "10Gi")
    assert (stores["redis"]["version"], stores["redis"]["volume_size"]) == ("7.2", "2Gi")
    assert stores["mongodb"]["consumers"] == stores["redis"]["consumers"] == ["playcode-app"]
    assert stores["backup"] == {"enabled": True, "bucket": "backups", "prefix": "mongodb/", "schedule": "0 3 * * *", "time_zone": "Asia/Seoul"}
    assert stores["namespace"] == "playcode" and stores["create_namespace"] is False
    assert stores["scraper"]["namespace"] == "observability"
    layers = plan["layers"]
    assert layers.index("buckets") < layers.index("datastores") < layers.index("kubernetes")
    assert layers.index("workload_roles") < layers.index("datastores")
    assert [c["layer"] for c in plan["contributions"]["releases"]] == ["datastores"]
    assert "datastores" in [c["layer"] for c in plan["contributions"]["connection"]]


@pytest.mark.parametrize("schedule", ["0 3 * * *", "*/15 * * * *", "0 3 * * MON-FRI", "30 2 1,15 * ?", "@daily", "0 0-23/2 * JAN *"])
def test_cron_syntax_is_taken(schedule):
    assert datastores_spec.cron_problem(schedule) is None
    assert preflight(spec(backup={"schedule": schedule}))[0]["datastores"]["backup"]["schedule"] == schedule


@pytest.mark.parametrize("schedule, reason", [
    ("every day at 3", "has 4 fields"), ("0 3 * *", "has 4 fields"), ("61 3 * * *", "minute: '61'"),
    ("0 24 * * *", "hour: '24'"), ("0 3 0 * *", "day of month: '0'"), ("0 3 * 13 *", "month: '13'"),
    ("0 3 * * 7-1", "day of week: '7-1'"), ("*/0 * * * *", "step that is not a positive number"),
    ("@sometimes", "not a cron macro"), ("TZ=Asia/Seoul 0 3 * * *", "carries a time zone"), ("? 3 * * *", "minute: '?'"),
])
def test_a_schedule_that_is_not_cron_syntax_is_refused_with_the_field_path(schedule, reason):
    errors = errors_of(spec(backup={"schedule": schedule}))
    assert len(errors) == 1 and errors[0].startswith("platform.datastores.backup.schedule: %r" % schedule), errors
    assert reason in errors[0], errors


@pytest.mark.parametrize("zone", ["Asia/Seol", "KST", "Mars/Olympus", "../etc/passwd", ""])
def test_an_unknown_time_zone_is_refused(zone):
    errors = errors_of(spec(backup={"time_zone": zone}))
    assert errors and all(e.startswith("platform.datastores.backup.time_zone: %r" % zone) for e in errors), errors


def test_known_time_zones_are_taken():
    for zone in ("Asia/Seoul", "UTC", "America/New_York"):
        assert datastores_spec.time_zone_problem(zone) is None


@pytest.mark.parametrize("size", ["10Gi", "2Gi", "500Gi", "1Ti", "2G", "1.5Gi", "1e10"])
def test_quantities_are_taken(size):
    assert preflight(spec(mongodb={"volume_size": size}))[0]["datastores"]["mongodb"]["volume_size"] == size


@pytest.mark.parametrize("size", ["10GB", "ten", "10 Gi", "-1Gi", "Gi", "10gi"])
def test_a_volume_size_that_is_not_a_quantity_is_refused(size):
    assert errors_of(spec(redis={"volume_size": size})) == [
        "platform.datastores.redis.volume_size: %r is not a Kubernetes quantity such as 2Gi" % size]


def test_a_volume_outside_gp3s_range_is_refused():
    errors = errors_of(spec(mongodb={"volume_size": "512Mi"}))
    assert errors == ["platform.datastores.mongodb.volume_size: '512Mi'; a gp3 volume is 1Gi to 16Ti"]
    assert datastores_spec.quantity_bytes("17Ti") > datastores_spec.GP3_MAX


def test_a_consumer_that_is_not_an_app_is_refused():
    errors = errors_of(spec(mongodb={"consumers": ["playcode-app", "playcode-ap"]}))
    assert errors == ["platform.datastores.mongodb.consumers[1]: 'playcode-ap' is not an app of platform.kubernetes.apps; "
                      "have: playcode-app, worker"]


def test_explicit_consumers_replace_the_apps_that_use_the_connection():
    platform = preflight(spec(redis={"consumers": ["worker", "playcode-app"]}))[0]
    assert platform["datastores"]["redis"]["consumers"] == ["playcode-app", "worker"]
    assert platform["datastores"]["mongodb"]["consumers"] == ["playcode-app"]


def test_a_backup_bucket_the_buckets_layer_does_not_have_is_refused():
    assert errors_of(spec(backup={"bucket": "backup"})) == [
        "platform.datastores.backup.bucket: 'backup' is not a bucket of platform.buckets; have: backups, uploads"]
    without_buckets = spec()
    del without_buckets["buckets"]
    assert any(e.startswith("platform.datastores.backup.bucket: 'backups' is not a bucket of platform.buckets; have: none")
               for e in errors_of(without_buckets))
    # Without a backup there is no bucket to name.
    del without_buckets["datastores"]
    without_buckets["datastores"] = {"backup": {"enabled": False}}
    assert preflight(without_buckets)[0]["datastores"]["backup"]["enabled"] is False


def test_the_layer_needs_kubernetes_with_external_secrets():
    without = spec()
    del without["kubernetes"]
    assert "platform.datastores: needs platform.kubernetes, whose layer delivers the stores to the cluster" in errors_of(without)
    no_eso = spec()
    no_eso["kubernetes"]["addons"] = {"external_secrets": False}
    assert any(e.startswith("platform.datastores: needs platform.kubernetes.addons.external_secrets") for e in errors_of(no_eso))


def test_other_bad_input_is_refused_with_its_path():
    errors = errors_of(spec(namespace="Play_Code", storage_class="gp3 encrypted", mongodb={"version": "latest"},
                            backup={"prefix": "/mongo"}, tags={"aws:x": "y"}))
    for path in ("platform.datastores.namespace: 'Play_Code'", "platform.datastores.storage_class: 'gp3 encrypted'",
                 "platform.datastores.mongodb.version: 'latest'", "platform.datastores.backup.prefix: '/mongo'", "platform.datastores.tags"):
        assert any(e.startswith(path) for e in errors), (path, errors)
    assert "platform.datastores: enable mongodb or redis (or drop the section)" in errors_of(spec(mongodb={"enabled": False}, redis={"enabled": False}))
    assert errors_of(spec(redis={"consumers": ["worker"]}, mongodb={"enabled": False})) == [
        "platform.kubernetes.apps[0].uses: 'playcode-app' uses datastores but is a consumer of no enabled store (platform.datastores.<store>.consumers)"]
    assert any(e.startswith("platform.datastores.mongodb.size: unknown") or "size" in e for e in errors_of(spec(mongodb={"size": "10Gi"})))
