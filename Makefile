# sshd.doctor: make demo (install, build the lab, diagnose a broken fleet), make test.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLL_ROOT := $(CURDIR)/.build/collections
COLL := $(COLL_ROOT)/ansible_collections/sshd/doctor
LAB := $(PY) tests/lab/lab.py
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT):$(CURDIR)/$(VENV)/lib/python3.11/site-packages
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= false

.PHONY: help venv collection lab lab-down images demo test lint ruff ansible-lint sanity unit molecule build-tarball

help:
	@echo "make demo   install everything, build the lab, diagnose a fleet with the three classic faults"
	@echo "make test   ruff, ansible-lint, ansible-test sanity, unit tests, molecule scenarios"

$(VENV)/.done: requirements-dev.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv: $(VENV)/.done

# The checkout is the collection: ansible-doc, ansible-playbook sshd.doctor.X and molecule
# resolve it through this symlink.
collection:
	@mkdir -p $(dir $(COLL))
	@ln -sfn $(CURDIR) $(COLL)
