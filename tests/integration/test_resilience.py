"""A converge survives throttling and server errors, resumes after being killed, and never prints a secret.

One scenario on an emulator of its own that faults 20% of AWS requests with throttling and 5% with
server errors (aws_emulator.faults), so that the count of full converges stays small:

1. site.yml, unfaulted, interrupted with SIGINT once the NAT gateway creation is in the request log;
2. site.yml, unfaulted, killed (SIGKILL to its whole process group: controller and module processes)
   once the EKS cluster creation is in the request log;
3. site.yml under faults: resumes and completes;
4. site.yml, unfaulted: changed=0 and no mutating call;
5. teardown.yml, unfaulted: nothing tagged is left.

Unfaulted runs sign with an access key the injector exempts (aws_emulator.faults); the state is the same
emulator's. Every run uses botocore's standard retry mode with 10 attempts: amazon.aws modules make
some calls without AWSRetry (kms_key's ListKeyPolicies, waiters), and AWSRetry does not know JSON
services' ThrottlingException, so botocore's retries are their only defence (3 attempts by default).
"""

import json
import os
import signal
import subprocess
import sys
import time

import boto3
import pytest

from conftest import ROOT, free_port
from test_site import recap

from aws_emulator import __main__ as emulator_cli
from aws_emulator import faults, requestlog

pytestmark = pytest.mark.slow

PLATFORM = "queue-infra-local"
FAULTS = "throttle=0.2,error5xx=0.05"
CLEAN_ACCESS_KEY = faults.INSPECT_ACCESS_KEY_PREFIX + "-resilience"
BOTOCORE_RETRIES = {"AWS_RETRY_MODE": "standard", "AWS_MAX_ATTEMPTS": "10"}
SECRET_NAME = PLATFORM + "/cache/auth-token"
# Mutating calls a converge makes on purpose every time: the short-lived AMG service account token the
# Grafana API calls need is minted for the run and deleted (amg_service_account_token); the platform lock's
# item is put and deleted (platform_lock; the interrupted and killed runs' locks are taken over, their runs gone).
PER_RUN_CALLS = {"CreateWorkspaceServiceAccountToken", "DeleteWorkspaceServiceAccountToken", "PutItem", "DeleteItem"}


class Platform:
    """The scenario's emulator and the playbook runs made against it."""

    def __init__(self, state_dir, port):
        self.state_dir = state_dir
        self.url = "http://127.0.0.1:%d" % port
        self.settings = {"enabled": True, "host": "127.0.0.1", "port": port, "state_dir": state_dir,
                         "tools_dir": os.path.join(ROOT, "tools")}
        self.runs = {}

    def command(self, playbook_name, faulted, emulator_enabled=True):
        environment = dict(BOTOCORE_RETRIES, AWS_ENDPOINT_URL=self.url, AWS_ACCESS_KEY_ID="emulator" if faulted else CLEAN_ACCESS_KEY,
                           AWS_SECRET_ACCESS_KEY="emulator", AWS_DEFAULT_REGION="ap-northeast-2")
        extra = {"platform_emulator": dict(self.settings, enabled=emulator_enabled), "platform_aws_environment": environment}
        return [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook_name, "-i", "inventories/local",
                "-e", json.dumps(extra)]

    def run(self, name, playbook_name, faulted=False, stop_after=None, stop_signal=signal.SIGKILL, **options):
        """Run a playbook to its end, or until the request log shows the operation stop_after succeeded."""
        output_path = os.path.join(self.state_dir, name + ".out")
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1")
        with open(output_path, "w", encoding="utf-8") as output:
            process = subprocess.Popen(self.command(playbook_name, faulted, **options), cwd=ROOT, env=env, stdout=output,  # pylint: disable=consider-using-with
                                       stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + 900
            while process.poll() is None and time.monotonic() < deadline:
                if stop_after and self.succeeded(stop_after):
                    os.killpg(process.pid, stop_signal)
                    break
                time.sleep(0.1)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with open(output_path, encoding="utf-8") as stream:
            self.runs[name] = (process.returncode, stream.read())
        return self.runs[name]

    def requests(self):
        return requestlog.read(os.path.join(self.state_dir, "requests.jsonl"))

    def succeeded(self, operation):
        return any(entry["operation"] == operation and entry["status"] == 200 for entry in self.requests())

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name="ap-northeast-2", aws_access_key_id=CLEAN_ACCESS_KEY,
                            aws_secret_access_key="emulator")


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """The scenario, run once for the tests below; yields the Platform with every run's (return code, output)."""
    state_dir = str(tmp_path_factory.mktemp("resilience"))
    port = free_port()
    emulator_cli.start("127.0.0.1", port, state_dir, settings={faults.FAULTS_VARIABLE: FAULTS, faults.SEED_VARIABLE: "20"})
    scenario = Platform(state_dir, port)
    try:
        scenario.run("interrupted", "site.yml", stop_after="CreateNatGateway", stop_signal=signal.SIGINT)
        scenario.run("killed", "site.yml", stop_after="CreateCluster")
        scenario.marks = {"faulted": len(faults.read(state_dir))}
        scenario.run("faulted", "site.yml", faulted=True)
        scenario.marks["clean"] = len(scenario.requests())
        scenario.run("clean", "site.yml")
        scenario.marks["teardown"] = len(scenario.requests())
        scenario.token = scenario.client("secretsmanager").get_secret_value(SecretId=SECRET_NAME)["SecretString"]
        # The emulator stays up (enabled: false) so that what is left can be looked at afterwards.
        scenario.run("teardown", "teardown.yml", emulator_enabled=False)
        yield scenario
    finally:
        emulator_cli.stop(state_dir)


def test_interrupted_runs_stopped_where_asked(platform):
    for name, operation in (("interrupted", "CreateNatGateway"), ("killed", "CreateCluster")):
        returncode, output = platform.runs[name]
        assert returncode != 0, "the %s run was not stopped: %s" % (name, output[-2000:])
        assert platform.succeeded(operation)


def test_throttled_converge_resumes_and_succeeds(platform):
    returncode, output = platform.runs["faulted"]
    assert returncode == 0, output[-3000:]
    assert recap(output)["changed"] > 0  # it finished what the killed run left undone
    injected = faults.read(platform.state_dir)[platform.marks["faulted"]:]
    kinds = {entry["fault"] for entry in injected}
    assert kinds == {"throttle", "error5xx"}, "the faulted run saw %d faults: %s" % (len(injected), kinds)
    assert {"eks", "ec2", "elasticache", "iam"} <= {entry["service"] for entry in injected}


def test_clean_converge_after_it_changes_nothing(platform):
    returncode, output = platform.runs["clean"]
    assert returncode == 0, output[-3000:]
    assert recap(output)["changed"] == 0
    calls = platform.requests()[platform.marks["clean"]:platform.marks["teardown"]]
    assert [entry["operation"] for entry in calls if entry["mutating"] and entry["operation"] not in PER_RUN_CALLS] == []


def test_teardown_leaves_nothing_tagged(platform):
    returncode, output = platform.runs["teardown"]
    assert returncode == 0, output[-3000:]
    tagging = platform.client("resourcegroupstaggingapi")
    mappings = tagging.get_resources(TagFilters=[{"Key": "gameops:platform", "Values": [PLATFORM]}])["ResourceTagMappingList"]
    left = [mapping["ResourceARN"] for mapping in mappings]
    # AWS lists deleted NAT gateways and keys pending deletion for a while: gone for all purposes.
    ec2, kms = platform.client("ec2"), platform.client("kms")
    left = [arn for arn in left if not (":natgateway/" in arn and ec2.describe_nat_gateways(
        NatGatewayIds=[arn.rpartition("/")[2]])["NatGateways"][0]["State"] == "deleted")]
    left = [arn for arn in left if not (":key/" in arn and kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion")]
    assert left == []
    assert platform.client("eks").list_clusters()["clusters"] == []
    assert platform.client("elasticache").describe_replication_groups()["ReplicationGroups"] == []


def test_no_run_printed_the_cache_auth_token(platform):
    assert len(platform.token) >= 16
    leaked = [name for name, (_code, output) in platform.runs.items() if platform.token in output]
    assert leaked == []
