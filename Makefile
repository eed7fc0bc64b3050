# The two commands of the README:
#   make converge   builds the local platform on the embedded AWS emulator (site.yml, inventories/local)
#   make test       runs every test: unit, lint, ansible-test sanity, molecule
# Both set up what they need first: a virtualenv from the pinned requirements and the collection link.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
COLLECTION_LINK := .ansible/collections/ansible_collections/gameops/platform
INVENTORY ?= inventories/local
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.ansible/collections
export PYTHONPATH := $(CURDIR)/tools

.PHONY: setup converge check teardown test test-unit test-lint test-sanity test-molecule lock clean

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

setup: $(VENV)/.installed $(COLLECTION_LINK)

converge: setup
	$(BIN)/ansible-playbook site.yml -i $(INVENTORY)

check: setup
	$(BIN)/ansible-playbook site.yml -i $(INVENTORY) --check --diff

teardown: setup
	$(BIN)/ansible-playbook teardown.yml -i $(INVENTORY)

test: test-unit test-lint test-sanity test-molecule

test-unit: setup
	$(BIN)/pytest -q

test-lint: setup
	$(BIN)/ansible-lint

test-sanity: setup
	tests/sanity.sh

test-molecule: setup
	$(BIN)/molecule test --all

lock:
	$(PYTHON) -m venv /tmp/gameops-lock && /tmp/gameops-lock/bin/pip install --quiet -r requirements.in 'python-dateutil<3'
	/tmp/gameops-lock/bin/pip freeze > requirements.txt

clean:
	rm -rf $(VENV) .ansible .emulator tests/output .pytest_cache
