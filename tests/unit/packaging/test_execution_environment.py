"""meta/execution-environment.yml: `ansible-builder create` makes a build context from it, and an EE that
installs the collection finds its Python and system requirements by introspection.

No container engine here, so the context is checked, not built.
"""

import os
import shutil
import subprocess
import sys

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
EE_FILE = os.path.join(ROOT, "meta", "execution-environment.yml")
# The imports the runtime requirements must cover (the rest is ansible-core, its dependencies or the stdlib).
THIRD_PARTY_IMPORTS = ("import boto", "from boto", "import kubernetes", "from kubernetes")
BUILDER = shutil.which("ansible-builder") or os.path.join(os.path.dirname(sys.executable), "ansible-builder")

pytestmark = pytest.mark.skipif(not os.path.exists(BUILDER), reason="ansible-builder is not installed (requirements.txt)")


def requirement_lines(path):
    with open(path, encoding="utf-8") as stream:
        return [line.split("#", 1)[0].strip() for line in stream if line.split("#", 1)[0].strip()]


@pytest.fixture(scope="module")
def context(tmp_path_factory):
    path = tmp_path_factory.mktemp("ee") / "context"
    subprocess.run([BUILDER, "create", "-f", EE_FILE, "--context", str(path), "--output-filename", "Containerfile"],
                   check=True, capture_output=True, text=True)
    return path


def test_definition_is_schema_version_3():
    with open(EE_FILE, encoding="utf-8") as stream:
        definition = yaml.safe_load(stream)
    assert definition["version"] == 3
    assert definition["images"]["base_image"]["name"]


def test_context_has_a_containerfile_from_the_base_image(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG EE_BASE_IMAGE="quay.io/fedora/fedora:43"' in containerfile
    assert "introspect" in containerfile and "install-from-bindep" in containerfile


def test_context_carries_the_collections_requirements(context):
    build = context / "_build"
    # Copied as files: a symbolic link would dangle inside the context.
    assert not any(path.is_symlink() for path in build.iterdir())
    assert requirement_lines(build / "requirements.txt") == requirement_lines(os.path.join(ROOT, "meta", "requirements-runtime.txt"))
    system = requirement_lines(build / "bindep.txt")
    assert {line.split()[0] for line in system} == {"kubernetes1.35-client", "helm"}
    galaxy = yaml.safe_load((build / "requirements.yml").read_text(encoding="utf-8"))
    with open(os.path.join(ROOT, "requirements.yml"), encoding="utf-8") as stream:
        assert galaxy == yaml.safe_load(stream)


def test_an_ee_installing_the_collection_finds_its_requirements(tmp_path):
    """introspect.py is what a build runs over the installed collections; paths resolve from the collection root."""
    (tmp_path / "ansible_collections" / "gameops").mkdir(parents=True)
    os.symlink(ROOT, tmp_path / "ansible_collections" / "gameops" / "platform")
    import ansible_builder  # pylint: disable=import-outside-toplevel  # only where ansible-builder is installed
    script = os.path.join(os.path.dirname(ansible_builder.__file__), "_target_scripts", "introspect.py")
    printed = subprocess.run([sys.executable, script, "introspect", str(tmp_path)], check=True, capture_output=True, text=True).stdout
    found = yaml.safe_load(printed)
    ours = "# from collection gameops.platform"
    assert {line.split()[0] for line in found["python"] if ours in line} >= {"boto3>=1.34.0", "botocore>=1.34.0", "kubernetes>=24.2.0"}
    assert {line.split()[0] for line in found["system"] if ours in line} == {"kubernetes1.35-client", "helm"}


def test_runtime_requirements_cover_what_the_plugins_import():
    names = {line.split("<")[0].split(">")[0].split("=")[0].lower() for line in requirement_lines(os.path.join(ROOT, "meta", "requirements-runtime.txt"))}
    imported = set()
    for directory, _dirs, files in os.walk(os.path.join(ROOT, "plugins")):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(directory, name), encoding="utf-8") as stream:
                    lines = [line.strip() for line in stream]
                imported |= {line.split()[1].split(".")[0] for line in lines if line.startswith(THIRD_PARTY_IMPORTS)}
    assert imported and imported <= names, imported - names
