import base64
import datetime
import json
import os
import subprocess
import sys

from conftest import ROOT

PLUGIN = os.path.join(ROOT, "roles", "eks", "files", "eks_exec_credential.py")


def test_exec_credential_plugin_prints_a_token_for_kubectl():
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, ".ansible", "collections"),
               AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret")
    env.pop("AWS_ENDPOINT_URL", None)
    printed = subprocess.run([sys.executable, PLUGIN, "queue-infra-prod", "ap-northeast-2"], env=env, capture_output=True, text=True, check=True).stdout
    credential = json.loads(printed)
    assert credential["kind"] == "ExecCredential" and credential["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    token = credential["status"]["token"]
    assert token.startswith("k8s-aws-v1.") and "=" not in token
    url = base64.urlsafe_b64decode(token[len("k8s-aws-v1."):] + "==").decode()
    assert url.startswith("https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity")
    assert "x-k8s-aws-id" in url
    expires = datetime.datetime.strptime(credential["status"]["expirationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
    remaining = expires.replace(tzinfo=datetime.timezone.utc) - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=10) < remaining <= datetime.timedelta(minutes=15)


def test_exec_credential_plugin_usage_error():
    result = subprocess.run([sys.executable, PLUGIN],
                            env=dict(os.environ, PYTHONPATH=os.path.join(ROOT, ".ansible", "collections")),
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "usage:" in result.stderr
