"""No secret shows in ansible-playbook's output, even at -vvv, nor in the rendered GitOps tree.

Runs site.yml on the local inventory against an emulator of its own (a free port, a temporary state
directory), reads the cache's AUTH token back from Secrets Manager with boto3, and looks for it in
everything the runs printed and wrote. The Grafana service account token a run mints for the dashboard
import is deleted by the run, so it is looked for by its shape (glsa_..., as Grafana mints them).
"""

import os
import re

import boto3

from aws_emulator import requestlog

from test_site import local_emulator, playbook  # noqa: F401  # pylint: disable=unused-import

SECRET_NAME = "queue-infra-local/cache/auth-token"
GRAFANA_TOKEN = re.compile(r"glsa_[A-Za-z0-9]{32}_[0-9a-f]{8}")


def rendered_text(state_dir):
    """Everything the Kubernetes layer rendered for GitOps."""
    texts = []
    for directory, _dirs, files in os.walk(os.path.join(state_dir, "rendered")):
        for name in files:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                texts.append(handle.read())
    assert texts, "nothing was rendered"
    return "\n".join(texts)


def secrets_client(url):
    return boto3.client("secretsmanager", endpoint_url=url, region_name="ap-northeast-2",
                        aws_access_key_id="a", aws_secret_access_key="b")


def test_auth_token_is_never_printed_and_is_reused(local_emulator):  # noqa: F811  # pylint: disable=redefined-outer-name
    settings, state_dir, url = local_emulator
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
    assert not GRAFANA_TOKEN.search(first.stdout + first.stderr), "a Grafana token shows in the first run's -vvv output"
    minted = [entry for entry in requestlog.read(os.path.join(state_dir, "requests.jsonl"))
              if entry["operation"] == "CreateWorkspaceServiceAccountToken" and entry["status"] == 200]
    assert minted, "no Grafana token was minted, so none could leak"
    assert token not in rendered_text(state_dir), "the AUTH token was written to the rendered tree"

    second = playbook("site.yml", settings, "-vvv")
    assert second.returncode == 0, second.stdout[-3000:]
    assert token not in second.stdout + second.stderr, "the AUTH token shows in the second run's -vvv output"
    assert not GRAFANA_TOKEN.search(second.stdout + second.stderr), "a Grafana token shows in the second run's -vvv output"
    assert secrets.get_secret_value(SecretId=SECRET_NAME)["SecretString"] == token, "the second run changed the token"
    assert len(secrets.list_secret_version_ids(SecretId=SECRET_NAME)["Versions"]) == 1

    teardown = playbook("teardown.yml", settings)
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert token not in teardown.stdout + teardown.stderr
