"""gitops_tree: the rendered tree compared and written in one pass; what is no longer rendered removed."""

import os
import stat

import pytest

from ansible_collections.gameops.platform.plugins.plugin_utils import gitops_tree

HEADER = "# rendered\n"
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "queue-system"}}
FILES = [
    {"path": "kustomization.yaml", "objects": [{"kind": "Kustomization", "apiVersion": "kustomize.config.k8s.io/v1beta1", "resources": ["ns.yaml"]}]},
    {"path": "ns.yaml", "objects": [NAMESPACE, dict(NAMESPACE, metadata={"name": "observability"})]},
    {"path": "config/alloy/config.alloy", "content": "logging { level = \"info\" }\n"},
]


def converge(dest, files=None, **options):
    changes = gitops_tree.plan(str(dest), FILES if files is None else files, HEADER, **options)
    gitops_tree.apply(str(dest), changes)
    return changes


def test_objects_are_yaml_documents_with_sorted_keys_after_the_header(tmp_path):
    converge(tmp_path)
    assert (tmp_path / "ns.yaml").read_text() == (HEADER + "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: queue-system\n"
                                                  "---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: observability\n")
    assert (tmp_path / "kustomization.yaml").read_text().splitlines()[1:3] == ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization"]
    assert (tmp_path / "config" / "alloy" / "config.alloy").read_text() == FILES[2]["content"]
    assert stat.S_IMODE(os.stat(tmp_path / "ns.yaml").st_mode) == 0o644


def test_second_pass_changes_nothing_and_a_changed_file_alone_is_rewritten(tmp_path):
    first = converge(tmp_path)
    assert sorted(path for path, _text in first["write"]) == ["config/alloy/config.alloy", "kustomization.yaml", "ns.yaml"]
    assert gitops_tree.plan(str(tmp_path), FILES, HEADER) == dict(write=[], chmod=[], remove=[], diff=[])
    files = FILES[:2] + [dict(FILES[2], content="logging { level = \"debug\" }\n")]
    changes = gitops_tree.plan(str(tmp_path), files, HEADER)
    assert [path for path, _text in changes["write"]] == ["config/alloy/config.alloy"]
    assert changes["diff"][0]["before"] == FILES[2]["content"] and changes["diff"][0]["after"] == files[2]["content"]


def test_plan_only_reads(tmp_path):
    dest = tmp_path / "tree"
    changes = gitops_tree.plan(str(dest), FILES, HEADER)
    assert len(changes["write"]) == 3 and not dest.exists()
    converge(dest)
    (dest / "stale.yaml").write_text("old\n")
    before = sorted(os.listdir(dest))
    assert gitops_tree.plan(str(dest), FILES, HEADER)["remove"] == ["stale.yaml"]
    assert sorted(os.listdir(dest)) == before


def test_what_is_no_longer_rendered_is_removed_but_kept_files_stay(tmp_path):
    converge(tmp_path)
    (tmp_path / "releases").mkdir()
    (tmp_path / "releases" / "loki.yaml").write_text("kept\n")
    changes = converge(tmp_path, FILES[:2], keep=["releases/loki.yaml"])
    assert changes["remove"] == ["config/alloy/config.alloy"] and changes["diff"][0]["after"] == ""
    assert not (tmp_path / "config").exists()  # the directories it leaves empty go too
    assert (tmp_path / "releases" / "loki.yaml").read_text() == "kept\n"
    assert converge(tmp_path, FILES[:2], keep=["releases/loki.yaml"], prune=True)["remove"] == []


def test_without_prune_nothing_is_removed(tmp_path):
    converge(tmp_path)
    assert gitops_tree.plan(str(tmp_path), FILES[:1], HEADER, prune=False)["remove"] == []


def test_a_wrong_mode_is_fixed_without_rewriting(tmp_path):
    converge(tmp_path)
    os.chmod(tmp_path / "ns.yaml", 0o600)
    changes = converge(tmp_path)
    assert changes["write"] == [] and changes["chmod"] == ["ns.yaml"]
    assert stat.S_IMODE(os.stat(tmp_path / "ns.yaml").st_mode) == 0o644


@pytest.mark.parametrize("path", ["../outside.yaml", "/etc/passwd", ".", "a/../../b"])
def test_a_path_outside_the_tree_is_refused(tmp_path, path):
    with pytest.raises(gitops_tree.TreeError, match="must be a path inside it"):
        gitops_tree.plan(str(tmp_path), [{"path": path, "content": "x"}])


def test_a_file_without_text_or_twice_is_refused(tmp_path):
    with pytest.raises(gitops_tree.TreeError, match="give content or objects"):
        gitops_tree.plan(str(tmp_path), [{"path": "a.yaml"}])
    with pytest.raises(gitops_tree.TreeError, match="listed twice"):
        gitops_tree.plan(str(tmp_path), [{"path": "a.yaml", "content": "1"}, {"path": "./a.yaml", "content": "2"}])


def test_a_failed_write_leaves_the_old_file_whole(tmp_path, monkeypatch):
    converge(tmp_path)

    def refuse(*_args):
        raise OSError("disk full")

    monkeypatch.setattr(gitops_tree.os, "replace", refuse)
    files = [dict(FILES[0]), dict(FILES[1], objects=[NAMESPACE]), FILES[2]]
    with pytest.raises(OSError):
        converge(tmp_path, files)
    assert "observability" in (tmp_path / "ns.yaml").read_text()
    assert [name for name in os.listdir(tmp_path) if name.startswith(".gitops-tree-")] == []
