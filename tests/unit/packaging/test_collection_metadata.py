"""galaxy.yml says where the collection lives, and requirements.yml installs what galaxy.yml depends on."""

import os
import re

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
URL_KEYS = ("repository", "documentation", "homepage", "issues")
# Reserved names (RFC 2606, RFC 6761) and stand-ins that mark a URL nobody filled in.
PLACEHOLDER = re.compile(r"(\.invalid|\.example|\bexample\.(com|net|org)|\blocalhost)(?=[/:]|$)|changeme|todo|your[-_]?org", re.I)


def load(*path):
    with open(os.path.join(ROOT, *path), encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def placeholders(urls):
    return [url for url in urls if PLACEHOLDER.search(re.sub(r"^https?://", "", url)) or not url.startswith("https://")]


def test_placeholder_check_refuses_the_old_urls():
    assert placeholders(["https://example.invalid/gameops/platform", "http://github.com/gameops/platform"]) == [
        "https://example.invalid/gameops/platform", "http://github.com/gameops/platform"]
    assert not placeholders(["https://github.com/gameops/platform/issues"])


def test_galaxy_urls_are_real_and_agree():
    galaxy = load("galaxy.yml")
    urls = [galaxy[key] for key in URL_KEYS]
    assert not placeholders(urls)
    repository = galaxy["repository"].rstrip("/")
    assert all(url.startswith(repository) for url in urls), urls


def test_docsite_links_point_at_readme_sections_that_exist():
    galaxy, links = load("galaxy.yml"), load("docs", "docsite", "links.yml")
    assert "https://github.com/" + links["edit_on_github"]["repository"] == galaxy["repository"]
    urls = [link["url"] for link in links["extra_links"]]
    assert not placeholders(urls)
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as stream:
        # GitHub's anchors: the heading in lower case, spaces to dashes, punctuation dropped.
        anchors = {re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
                   for line in stream if line.startswith("#")}
    sections = [url.split("#", 1)[1] for url in urls if "#" in url]
    assert sections and set(sections) <= anchors, set(sections) - anchors
    assert all(url.startswith(galaxy["documentation"]) for url in urls if "#" in url)


def test_requirements_yml_installs_galaxy_dependencies():
    dependencies = load("galaxy.yml")["dependencies"]
    requirements = {entry["name"]: entry["version"] for entry in load("requirements.yml")["collections"]}
    assert requirements == dependencies
    # A range with a ceiling: the next major of a dependency may drop what the roles use.
    assert all("<" in version for version in dependencies.values()), dependencies


def test_ansible_test_units_requirements_pinned_as_the_virtualenv():
    """tests/unit/requirements.txt (ansible-test units' virtualenv) pins what requirements.txt pins."""
    def pins(*path):
        with open(os.path.join(ROOT, *path), encoding="utf-8") as stream:
            lines = [line.split("#", 1)[0].strip() for line in stream]
        return {re.sub(r"\[.*\]", "", line.split("==")[0]).lower(): line.split("==")[1] for line in lines if "==" in line}

    units, locked = pins("tests", "unit", "requirements.txt"), pins("requirements.txt")
    # setuptools is no pin of requirements.txt (pip freeze leaves it out); the virtualenv has it from venv.
    assert units and {name: version for name, version in units.items() if name in locked} == {
        name: locked[name] for name in units if name in locked}
    assert set(units) - set(locked) <= {"setuptools"}
