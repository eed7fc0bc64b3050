"""The cache's AUTH token never shows in ansible-playbook's output, even at -vvv, and is generated once.

Runs site.yml on the local inventory against an emulator of its own (a free port, a temporary state
directory), reads the token back from Secrets Manager with boto3, and looks for it in everything the
runs printed.
"""

import boto3

from test_site import local_emulator, playbook  # noqa: F401  # pylint: disable=unused-import

SECRET_NAME = "queue-infra-local/cache/auth-token"


def secrets_client(url):
    return boto3.client("secretsmanager", endpoint_url=url, region_name="ap-northeast-2",
                        aws_access_key_id="a", aws_secret_access_key="b")


def test_auth_token_is_never_printed_and_is_reused(local_emulator):  # noqa: F811  # pylint: disable=redefined-outer-name
    settings, url = local_emulator[0], local_emulator[2]
    first = playbook("site.yml", settings, "-vvv")
    assert first.returncode == 0, first.stdout[-3000:]

    secrets = secrets_client(url)
    token = secrets.get_secret_value(SecretId=SECRET_NAME)["SecretString"]
    assert len(token) == 64 and token.isalnum()
    elasticache = boto3.client("elasticache", endpoint_url=url, region_name="ap-northeast-2",
                               aws_access_key_id="a", aws_secret_access_key="b")
    group = elasticache.describe_replication_groups(ReplicationGroupId="queue-infra-local-cache")["ReplicationGroups"][0]
    assert group["AuthTokenEnabled"] is True
    assert group["TransitEncryptionEnabled"] is True
    assert token not in first.stdout + first.stderr, "the AUTH token shows in the first run's -vvv output"

    second = playbook("site.yml", settings, "-vvv")
    assert second.returncode == 0, second.stdout[-3000:]
    assert token not in second.stdout + second.stderr, "the AUTH token shows in the second run's -vvv output"
    assert secrets.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == token, "the second run changed the token"
    assert len(secrets.list_secret_version_ids(SecretId=SECRET_NAME)["Versions"]) == 1

    teardown = playbook("teardown.yml", settings)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert token not in teardown.stdout + teardown.stderr
