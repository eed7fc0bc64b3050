"""tools/changelog_fragments.py: a plugin or role change needs a fragment, and fragments must be valid."""

import os
import subprocess

import pytest
import yaml

import changelog_fragments
from conftest import ROOT

GOOD = "---\nbugfixes:\n  - eks_cluster - waits for the update it started.\n"


def commit(repo, files, message):
    for path, text in files.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text, encoding="utf-8")
    subprocess.run(["git", "-C", str(repo), "add", "--", *files], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=test", "-c", "user.email=test@localhost",
                    "commit", "-q", "-m", message], check=True)


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    commit(tmp_path, {"plugins/modules/eks_cluster.py": "# first\n", "changelogs/fragments/first.yml": GOOD}, "first")
    return tmp_path


def test_first_commit_is_compared_with_the_empty_tree(repo):
    assert changelog_fragments.check(str(repo)) == []


def test_plugin_change_without_fragment_fails(repo):
    commit(repo, {"plugins/modules/eks_cluster.py": "# changed\n"}, "no fragment")
    problems = changelog_fragments.check(str(repo))
    assert len(problems) == 1 and "plugins/modules/eks_cluster.py" in problems[0]
    assert changelog_fragments.main(["--repo", str(repo)]) == 1


def test_role_change_with_a_good_fragment_passes(repo):
    commit(repo, {"roles/eks/tasks/main.yml": "---\n", "changelogs/fragments/eks.yml": GOOD}, "with fragment")
    assert changelog_fragments.check(str(repo)) == []
    assert changelog_fragments.main(["--repo", str(repo)]) == 0


def test_changes_elsewhere_need_no_fragment(repo):
    commit(repo, {"tests/unit/test_x.py": "# test\n", "README.md": "text\n"}, "tests only")
    assert changelog_fragments.check(str(repo)) == []


def test_base_covers_several_commits(repo):
    base = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    commit(repo, {"plugins/modules/eks_cluster.py": "# changed\n"}, "change")
    commit(repo, {"changelogs/fragments/later.yml": GOOD}, "fragment in a later commit of the range")
    assert changelog_fragments.check(str(repo), base=base) == []
    assert changelog_fragments.check(str(repo), base="HEAD~2", head="HEAD~1")


@pytest.mark.parametrize("text, expected", [
    ("---\nfeatures:\n  - eks - new.\n", "unknown section 'features'"),
    ("---\nbugfixes: eks - a string, not a list\n", "bugfixes must be a non-empty list"),
    ("---\nminor_changes:\n  - kubernetes - chart v1.9 (Kubernetes\n    1.33-1.36): a colon in a plain scalar.\n", "not YAML"),
    ("---\n- just a list\n", "must be a mapping"),
    ("---\nrelease_summary: []\n", "release_summary must be a non-empty string"),
    ("---\ntrivial:\n  - \n", "every entry of trivial"),
])
def test_bad_fragment_fails(repo, text, expected):
    commit(repo, {"plugins/modules/eks_cluster.py": "# changed\n", "changelogs/fragments/bad.yml": text}, "bad fragment")
    problems = changelog_fragments.check(str(repo))
    assert len(problems) == 1 and problems[0].startswith("bad.yml: ") and expected in problems[0], problems


def test_every_section_of_the_config_is_accepted():
    """The sections of changelogs/config.yaml, plus trivial, are the ones the checker takes."""
    with open(os.path.join(ROOT, "changelogs", "config.yaml"), encoding="utf-8") as stream:
        config = yaml.safe_load(stream)
    assert {section for section, _title in config["sections"]} | {"trivial"} == changelog_fragments.SECTIONS
    assert config["prelude_section_name"] == changelog_fragments.PRELUDE
