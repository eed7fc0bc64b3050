"""The buckets section of the platform spec: names, CORS and lifecycle refused as S3 refuses them."""

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils.preflight import SpecError, preflight

BASE = {"name": "playcode", "environment": "prod", "region": "ap-northeast-2", "network": {"cidr": "10.0.0.0/16"}}
UPLOADS = {"cors": [{"allowed_origins": ["https://playcode.gg"], "allowed_methods": ["PUT", "GET"], "expose_headers": ["ETag"]}]}
BACKUPS = {"versioning": True, "lifecycle": [{"id": "expire", "expiration_days": 30, "noncurrent_expiration_days": 7}]}


def buckets(**section):
    return dict(BASE, buckets=section)


def errors_of(spec):
    with pytest.raises(SpecError) as refused:
        preflight(spec)
    return refused.value.errors


def test_buckets_are_named_per_platform_with_defaults_filled():
    platform, plan = preflight(buckets(uploads=UPLOADS, backups=BACKUPS))
    uploads, backups = platform["buckets"]["uploads"], platform["buckets"]["backups"]
    assert (uploads["bucket_name"], backups["bucket_name"]) == ("playcode-prod-uploads", "playcode-prod-backups")
    assert uploads["cors"][0]["max_age_seconds"] == 3000 and uploads["cors"][0]["allowed_headers"] == []
    assert uploads["versioning"] is False and uploads["lifecycle"] == []
    assert backups["lifecycle"][0]["abort_incomplete_multipart_upload_days"] == 7 and backups["lifecycle"][0]["prefix"] == ""
    assert plan["layers"] == ["network", "buckets"]


@pytest.mark.parametrize(
    "section, expected",
    [
        ({"Uploads": {}}, "platform.buckets.Uploads: the key must be 1-32 lowercase letters"),
        ({"a": {"bucket_name": "my..bucket"}}, "platform.buckets.a.bucket_name: 'my..bucket' must be 3-63 lowercase letters"),
        ({"a": {"bucket_name": "192.168.5.4"}}, "platform.buckets.a.bucket_name: '192.168.5.4' must not be an IP address"),
        ({"a": {"bucket_name": "xn--bucket"}}, "platform.buckets.a.bucket_name: 'xn--bucket' must not start with 'xn--'"),
        ({"a": {"bucket_name": "logs-s3alias"}}, "must not end with '-s3alias'"),
        ({"a": {"bucket_name": "shared"}, "b": {"bucket_name": "shared"}}, "platform.buckets.b.bucket_name: 'shared' is also the name of platform.buckets.a"),
        ({"a": {"kms_key_arn": "my-key"}}, "platform.buckets.a.kms_key_arn: 'my-key' is not a KMS key or alias ARN"),
        ({"a": {"cors": [{"allowed_origins": ["playcode.gg/app"], "allowed_methods": ["PUT"]}]}},
         "platform.buckets.a.cors[0].allowed_origins: 'playcode.gg/app' is not an origin"),
        ({"a": {"cors": [{"allowed_origins": ["*"], "allowed_methods": ["PATCH"]}]}},
         "platform.buckets.a.cors[0].allowed_methods: must be one or more of: GET, PUT, POST, DELETE, HEAD"),
        ({"a": {"lifecycle": [{"id": "x", "abort_incomplete_multipart_upload_days": 0}]}},
         "platform.buckets.a.lifecycle[0].abort_incomplete_multipart_upload_days: 0; give 1 or more days"),
        ({"a": {"lifecycle": [{"id": "x", "transition_days": 10, "storage_class": "STANDARD_IA"}]}},
         "platform.buckets.a.lifecycle[0].transition_days: S3 keeps objects 30 days before STANDARD_IA"),
        ({"a": {"lifecycle": [{"id": "x", "transition_days": 30}]}}, "platform.buckets.a.lifecycle[0]: transition_days and storage_class go together"),
        ({"a": {"lifecycle": [{"id": "x", "expiration_days": 30, "transition_days": 60, "storage_class": "GLACIER"}]}},
         "platform.buckets.a.lifecycle[0].expiration_days: 30 must come after transition_days 60"),
        ({"a": {"lifecycle": [{"id": "x", "expiration_days": 1}, {"id": "x", "expiration_days": 2}]}},
         "platform.buckets.a.lifecycle[1].id: 'x' is used by an earlier rule"),
        ({"a": {"lifecycle": [{"id": "x", "noncurrent_expiration_days": 3}]}},
         "noncurrent_expiration_days: the bucket keeps no noncurrent versions without versioning"),
        ({"a": {"versioning": "sometimes"}}, "platform.buckets.a.versioning: is of type str"),
        ({"a": {"colour": "blue"}}, "platform.buckets.a.colour: unknown key; allowed here: bucket_name, cors, kms_key_arn, lifecycle, versioning"),
    ],
)
def test_bad_buckets_are_refused_naming_the_field(section, expected):
    errors = errors_of(buckets(**section))
    assert any(expected in error for error in errors), errors


def test_the_section_must_map_keys_to_buckets():
    assert errors_of(dict(BASE, buckets=[{"name": "uploads"}])) == ["platform.buckets: must be a mapping of names to entries, got list"]
