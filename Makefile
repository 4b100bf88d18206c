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

.PHONY: help deps venv collection images lab lab-down demo test lint ruff ansible-lint sanity unit molecule galaxy-build bench bench-scaling browser-deps browser bench-report ee ee-test molecule-hostile

help:
	@echo "make demo   install everything, build the lab, diagnose a fleet with the three classic faults"
	@echo "make test   ruff, ansible-lint, ansible-test sanity, unit tests, browser, raw collector, client matrix slice, molecule scenarios"
	@echo "make lab FLEET=name SPEC=bullseye:1,bookworm:1,trixie:1 / make lab-down FLEET=name"
	@echo "make bench [N=20,40] / make bench-scaling   fleet diagnosis against ping, setup and the hand-written way"
	@echo "make bench-report   the report path alone at 10,000 hosts (time, CPU, peak RSS)"
	@echo "make browser        index.html in headless Chromium at 12 and 10,000 hosts (make browser-deps installs it)"
	@echo "make ee / ee-test   build the execution environment; run diagnose inside it with ansible-runner"
	@echo "make record         re-record the raw host I/O of every lab case (unit-test fixtures)"
	@echo "make raw-test       the raw sh collector on lab hosts without a usable Python"
	@echo "make matrix         the full client matrix (17 real clients x 6 crypto configs x 3 releases)"
	@echo "make molecule-hostile / molecule-layouts   one molecule scenario"
	@echo "make attack-authkeys hostile states for the authorized_keys and home fixes on one real host (RELEASE=bookworm)"

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

# Everything below runs on real OpenSSH: unit tests replay recordings of real lab hosts, then the
# report in a real Chromium, the raw collector on hosts without Python, a slice of the client
# matrix with real third-party clients, and the molecule scenarios. The full client matrix
# (make matrix), the EE (make ee-test) and the recordings (make record) are separate targets.
test: venv collection deps lint sanity unit browser raw-test matrix-subset molecule

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
MOLECULE_SCENARIOS ?= faults must_not_touch rescue layouts hostile
molecule: venv collection images images-layouts
	cd extensions && for s in $(MOLECULE_SCENARIOS); do \
	  echo "== molecule test -s $$s"; start=$$(date +%s); \
	  molecule test -s $$s || exit 1; \
	  echo "== molecule $$s: $$(( $$(date +%s) - start ))s"; done

# Benchmarks (docs/benchmarks.md): a lab fleet timed against ansible ping, setup and a
# hand-written diagnosis, in the same run.
# make bench: N=20 and N=40 in one run (issue 16's targets), then the 10,000-host report path.
BENCH_FLEET ?= bench
BENCH_COMMANDS ?= ping,setup,facts,hand,diagnose,remediate
bench: venv collection images
	if [ -f bench/requirements.txt ]; then $(BIN)/pip install --quiet -r bench/requirements.txt; fi
	$(BIN)/python bench/run.py --hosts $${N:-20,40} --fleet $(BENCH_FLEET) --commands $(BENCH_COMMANDS)

bench-scaling: venv collection images
	if [ -f bench/requirements.txt ]; then $(BIN)/pip install --quiet -r bench/requirements.txt; fi
	$(BIN)/python bench/run.py --scaling 5,10,20,40

# The HTML report in a real headless Chromium at 12 and 10,000 hosts (tests/browser, about 15 s;
# browser-deps installs Debian's chromium and chromium-driver when they are missing).
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    chromium chromium-driver; fi

browser: venv collection browser-deps
	PYTHONPATH=$(COLL_ROOT) pytest -q -p no:cacheprovider tests/browser; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "browser: no tests were collected" >&2; exit 1; fi; exit $$rc

# The report path alone at 10,000 hosts (no lab): time, CPU and peak RSS into docs/benchmarks.md.
bench-report: venv collection
	$(BIN)/python bench/run.py --report-only

# The execution environment (ee/): its base from the lab's bookworm image, then ansible-builder's
# definition (ansible-core, ansible-runner, the OpenSSH clients, this collection), built with podman.
# ee-test runs the diagnose playbook inside it with ansible-runner against a lab fleet, as AWX does
# (about 10 minutes the first time; the result is kept in ee/last-test.txt). Not part of make test.
EE_DIR := $(CURDIR)/.build/ee
EE_IMAGE ?= localhost/sshd-doctor-ee:latest
EE_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
ee: venv images
	rm -rf $(EE_DIR) && mkdir -p $(EE_DIR)/base
	cp ee/Containerfile.base $(EE_DIR)/base/ && cp $(EE_CA_BUNDLE) $(EE_DIR)/base/build-ca.crt
	podman build --network host -t localhost/sshd-doctor-ee-base:bookworm -f $(EE_DIR)/base/Containerfile.base $(EE_DIR)/base
	cp ee/execution-environment.yml ee/bindep.txt $(EE_DIR)/
	ansible-galaxy collection build --force --output-path $(EE_DIR) .
	mv $(EE_DIR)/sshd-doctor-*.tar.gz $(EE_DIR)/sshd-doctor.tar.gz
	$(BIN)/ansible-builder create -f $(EE_DIR)/execution-environment.yml -c $(EE_DIR)/context --output-filename Containerfile
	podman build --network host -t $(EE_IMAGE) -f $(EE_DIR)/context/Containerfile $(EE_DIR)/context

ee-test: ee
	EE_IMAGE=$(EE_IMAGE) PYTHONPATH=$(COLL_ROOT) pytest -q -s -p no:cacheprovider tests/ee

galaxy-build: venv
	ansible-galaxy collection build --force --output-path .build/dist

# Raw host I/O recorded on real lab hosts, one file per release and case
# (tests/unit/fixtures/recordings/); the unit tests replay them through gather and checks.
.PHONY: record
record: venv collection images
	$(PY) tests/lab/capture.py $(if $(CASES),--faults $(CASES)) $(if $(RELEASES),--releases $(RELEASES))

# The raw sh collector on lab hosts whose python3 was moved away (tests/lab/raw_test.py).
.PHONY: raw-test
raw-test: venv collection images
	$(PY) tests/lab/raw_test.py $(if $(RELEASES),--releases $(RELEASES))

# Lab layouts beyond Debian (tests/lab/layouts.py): a RHEL-layout image (OpenSSH built from
# Debian's source with RHEL's paths and units; about 4 minutes the first time, cached by recipe
# afterwards) and a socket-activated trixie (seconds).
.PHONY: images-layouts molecule-layouts layout-evidence
LAYOUTS ?= rhel trixie-socket
images-layouts: deps
	$(LAB) build $(LAYOUTS)

# The faults scenario's converge and verifier on the layouts (extensions/molecule/layouts).
molecule-layouts: venv collection images-layouts
	cd extensions && molecule test -s layouts

# Re-record tests/unit/fixtures/raw/<layout>/ from real hosts (22 cases, about 10 minutes).
layout-evidence: venv collection images-layouts
	$(PY) tests/lab/layout_evidence.py

# The client matrix (issue 15): 17 real clients x 6 server crypto configs x 3 releases, the
# verdict crypto.py computes against what each real client did; recorded in
# tests/lab/client_matrix.json (replayed by tests/unit/.../test_crypto.py) and docs/clients.md.
MATRIX_FLEET ?= matrix
.PHONY: matrix matrix-subset
matrix: venv collection images
	$(PY) tests/lab/client_matrix.py setup
	$(LAB) up $(MATRIX_FLEET) bullseye:1,bookworm:1,trixie:1
	$(PY) tests/lab/client_matrix.py run $(MATRIX_FLEET) --out tests/lab/client_matrix.json; rc=$$?; \
	  $(PY) tests/lab/client_matrix.py rsa-keys $(MATRIX_FLEET) || rc=1; \
	  $(LAB) down $(MATRIX_FLEET); $(PY) tests/lab/client_matrix.py docs; exit $$rc

# 21 cells (7 clients x 3 configs on trixie), about 1.5 minutes: fails when any real client disagrees
matrix-subset: venv collection images
	$(PY) tests/lab/client_matrix.py setup --subset
	$(LAB) up $(MATRIX_FLEET)-subset trixie:1
	$(PY) tests/lab/client_matrix.py run $(MATRIX_FLEET)-subset --subset --out .build/client_matrix_subset.json; rc=$$?; \
	  $(LAB) down $(MATRIX_FLEET)-subset; exit $$rc

# The hostile scenario (issue 14): every attack on the remediation as a test, on all three
# releases (extensions/molecule/hostile). Containers hostile-*, ports 23410-23412.
molecule-hostile:
	$(MAKE) molecule MOLECULE_SCENARIOS=hostile

# authorized_keys_unreadable against hostile states (an immutable file, a home of another user,
# ~/.ssh linked to /root/.ssh, authorized_keys linked to /etc/shadow, a missing user) on one real
# host with CAP_LINUX_IMMUTABLE: check mode, a run, a second run, a real login (about 2 minutes).
.PHONY: attack-authkeys
attack-authkeys: venv collection images
	$(PY) tests/lab/authkeys_attack.py $(RELEASE)
