# sshd.doctor: `make demo` (install, build the lab, diagnose a broken fleet) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
COLL_ROOT := $(CURDIR)/.build/collections
COLL := $(COLL_ROOT)/ansible_collections/sshd/doctor
SANITY := $(CURDIR)/.build/sanity/ansible_collections/sshd/doctor
LAB := $(PY) tests/lab/lab.py
FLEET ?= lab
SPEC ?= bullseye:1,bookworm:1,trixie:1
DEMO_SPEC := bullseye:4,bookworm:4,trixie:4
REPORT_DIR ?= $(CURDIR)/reports/demo
export ANSIBLE_COLLECTIONS_PATH := $(COLL_ROOT)
export PATH := $(BIN):$(PATH)
export ANSIBLE_FORCE_COLOR ?= false
export ANSIBLE_NOCOLOR ?= true

.PHONY: help deps venv collection images lab lab-down demo test lint ruff ansible-lint sanity unit molecule galaxy-build bench bench-scaling molecule-hostile

help:
	@echo "make demo   install everything, build the lab, diagnose a fleet with the three classic faults"
	@echo "make test   ruff, ansible-lint, ansible-test sanity, unit tests, molecule scenarios"
	@echo "make lab FLEET=name SPEC=bullseye:1,bookworm:1,trixie:1 / make lab-down FLEET=name"
	@echo "make bench [N=20] / make bench-scaling   fleet diagnosis against ping, setup and the hand-written way"

# System packages: podman + runc + debootstrap for the lab (installed only when missing).
deps:
	@$(LAB) setup

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

images: deps
	$(LAB) build

lab: images
	$(LAB) up $(FLEET) $(SPEC)

lab-down:
	$(LAB) down $(FLEET)

demo: venv collection images
	$(LAB) up demo $(DEMO_SPEC)
	$(LAB) demo-faults demo
	ansible-playbook sshd.doctor.diagnose -i .lab/demo/inventory-podman.yml \
	  -e diagnose_report_dir=$(REPORT_DIR) -e '{"diagnose_clients": ["10.88.0.1"]}'
	@echo "Reports: $(REPORT_DIR) (open $(REPORT_DIR)/index.html); the fleet stays up: make lab-down FLEET=demo"

# ---------------------------------------------------------------- tests

test: venv collection deps lint sanity unit molecule

lint: ruff ansible-lint

ruff: venv
	ruff check plugins tests extensions bench

ansible-lint: venv collection
	ansible-lint

# ansible-test wants the tree under ansible_collections/NS/NAME: sanity runs on a copy of the
# files git knows (tracked and untracked-but-not-ignored).
# ansible-test runs from a venv of its own; it bootstraps pip in its per-test venvs with a script
# from a host that is not reachable here, so tests/sanity/get_pip.py stands in (ensurepip + PyPI).
SANITY_VENV := $(CURDIR)/.build/sanity-venv
SANITY_HOME := $(CURDIR)/.build/sanity-home
$(SANITY_VENV)/.done: requirements-dev.txt
	$(PY) -m venv $(SANITY_VENV)
	$(SANITY_VENV)/bin/pip install --quiet --upgrade pip
	$(SANITY_VENV)/bin/pip install --quiet $$(grep '^ansible-core==' requirements-dev.txt)
	cat $(SANITY_VENV)/lib/python3.11/site-packages/ansible_test/_data/requirements/sanity.*.txt \
	  | grep -v '^#' | sort -u > $(SANITY_VENV)/requirements.txt
	$(SANITY_VENV)/bin/pip install --quiet -r $(SANITY_VENV)/requirements.txt
	touch $@

sanity: $(SANITY_VENV)/.done
	rm -rf $(SANITY) && mkdir -p $(SANITY)
	git ls-files -z --cached --others --exclude-standard | xargs -0 -I{} cp --parents -P {} $(SANITY)/
	mkdir -p $(SANITY_HOME)/.ansible/test/cache
	cp tests/sanity/get_pip.py $(SANITY_HOME)/.ansible/test/cache/get_pip_$$(sed -n "s/.*pip='\([0-9.]*\)'.*/\1/p" \
	  $(SANITY_VENV)/lib/python3.11/site-packages/ansible_test/_internal/python_requirements.py | tr . _).py
	cd $(SANITY) && git init -q && git add -A && \
	  HOME=$(SANITY_HOME) PATH=$(SANITY_VENV)/bin:$$PATH ansible-test sanity --color no --venv --python 3.11

# pytest exits 5 when it collected nothing: that is a failure here, never a pass.
unit: venv collection
	PYTHONPATH=$(COLL_ROOT) pytest -q -p no:cacheprovider tests/unit; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "unit: no tests were collected" >&2; exit 1; fi; exit $$rc

# The scenarios make test runs (extensions/molecule/<name>); each creates, breaks, fixes,
# proves with real clients and destroys its own hosts.
MOLECULE_SCENARIOS ?= faults must_not_touch rescue
molecule: venv collection images
	cd extensions && for s in $(MOLECULE_SCENARIOS); do \
	  echo "== molecule test -s $$s"; start=$$(date +%s); \
	  molecule test -s $$s || exit 1; \
	  echo "== molecule $$s: $$(( $$(date +%s) - start ))s"; done

# Benchmarks (docs/benchmarks.md): a lab fleet timed against ansible ping, setup and a
# hand-written diagnosis, in the same run.
bench: venv collection images
	if [ -f bench/requirements.txt ]; then $(BIN)/pip install --quiet -r bench/requirements.txt; fi
	$(BIN)/python bench/run.py --hosts $${N:-20}

bench-scaling: venv collection images
	if [ -f bench/requirements.txt ]; then $(BIN)/pip install --quiet -r bench/requirements.txt; fi
	$(BIN)/python bench/run.py --scaling 5,10,20,40

galaxy-build: venv
	ansible-galaxy collection build --force --output-path .build/dist

# The hostile scenario (issue 14): every attack on the remediation as a test, on all three
# releases (extensions/molecule/hostile). Containers hostile-*, ports 23410-23412.
molecule-hostile:
	$(MAKE) molecule MOLECULE_SCENARIOS=hostile
