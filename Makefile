# Two commands on a fresh machine: `make serve` and `make test`. Both bootstrap .venv idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: bytecode serve test bench contract contract-deep clean venv lint lint-external browser redis container container-base fuzz corpus

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@$(MAKE) --no-print-directory bytecode
	@touch $(STAMP)

# An editable install leaves our own modules without bytecode, and with PYTHONDONTWRITEBYTECODE set nothing writes it:
# every `apitwin serve` would then compile ~80 modules (~70 ms of each start). An edited module is simply recompiled
# in memory (Python compares the source's mtime), so a stale .pyc is never used.
bytecode:
	@$(BIN)/python -m compileall -q apitwin handlers >/dev/null

# what measures or serves refreshes it first (an edited module's .pyc is rewritten)
serve bench corpus: bytecode

serve: $(STAMP)
	$(BIN)/apitwin serve $(ARGS)

# The suite runs on every core (pytest-xdist); TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: $(STAMP) browser redis
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Debian's Chromium for the Swagger UI browser tests (tests/engine/test_ui_browser.py drives it with Playwright, whose
# own browser download is not used). Best effort: without root or the Debian mirror the step says so and the browser
# tests skip with that reason; it never fails the build.
CHROMIUM ?= /usr/bin/chromium
browser:
	@test -x $(CHROMIUM) || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && { \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core >/dev/null 2>&1 || { \
		apt-get update -q >/dev/null 2>&1 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-dejavu-core >/dev/null 2>&1; }; }; } || \
		echo "apitwin: could not install chromium with apt-get (needs root and the Debian mirror); browser tests will skip"

# Debian's redis-server for the Redis backend tests (tests/engine/redis_server.py starts one per test process).
# Best effort like `browser`: without root or the Debian mirror the step says so and the Redis tests skip with
# that reason; it never fails the build.
REDIS_SERVER ?= /usr/bin/redis-server
redis:
	@test -x $(REDIS_SERVER) || { test "$$(id -u)" = 0 && command -v apt-get >/dev/null && { \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1 || { \
		apt-get update -q >/dev/null 2>&1 && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q redis-server >/dev/null 2>&1; }; }; } || \
		echo "apitwin: could not install redis-server with apt-get (needs root and the Debian mirror); Redis tests will skip"

# Spec review: our rules on every spec, then the mock against its specs (also part of `make test`).
lint: $(STAMP)
	$(BIN)/apitwin lint specs/*.yaml
	$(BIN)/apitwin check-drift

# The same specs through Spectral (spectral:oas) and Redocly (recommended), installed with npm on first use into
# .tools/ (pinned versions; node >= 18). Deliberate remaining findings are listed in docs/spec-review.md.
SPECTRAL_VERSION ?= 6.16.3
REDOCLY_VERSION ?= 2.77.0
TOOLS := .tools/node_modules/.bin
lint-external:
	@test -x $(TOOLS)/spectral -a -x $(TOOLS)/redocly || npm install --silent --no-audit --no-fund --prefix .tools \
		@stoplight/spectral-cli@$(SPECTRAL_VERSION) @redocly/cli@$(REDOCLY_VERSION)
	$(TOOLS)/spectral lint --ruleset .spectral.yaml --fail-severity warn specs/*.yaml
	$(TOOLS)/redocly lint --config redocly.yaml specs/*.yaml

# The contract suite with 8x the examples of `make test` (reports in reports/contract-deep/) and the broken-mock
# variants with 5x; `apitwin contract API --url ...` aims the same suite at any server.
contract-deep: $(STAMP)
	$(BIN)/apitwin contract partners --max-examples 200 --stateful-steps 15 --report-dir reports/contract-deep/partners
	APITWIN_BUG_EXAMPLES=50 $(BIN)/python -m pytest -q tests/contract/test_catches_bugs.py
	$(BIN)/apitwin contract molgenis --max-examples 200 --stateful-steps 15 --report-dir reports/contract-deep/molgenis

# Issue 16's reliability bar: >= FUZZ_REQUESTS schemathesis-generated requests per API on each state backend
# (memory, --state SQLite, --store Redis), every server error printed; fails when there is one. Minutes, not part
# of `make test`. FUZZ_SEED replays another run.
FUZZ_REQUESTS ?= 10000
FUZZ_SEED ?= 0
fuzz: $(STAMP) redis
	@status=0; for api in partners molgenis; do for backend in memory sqlite redis; do \
		$(BIN)/python bench/fuzz.py $$api --backend $$backend --requests $(FUZZ_REQUESTS) --seed $(FUZZ_SEED) \
		|| status=1; done; done; exit $$status

# Every document of tests/corpus/ (real public OpenAPI documents) served with no code by `apitwin serve DOC`, then
# `apitwin contract DOC --url` and a plain `st run DOC --url` against it: 0 failures each (tests/corpus/run.py).
# CORPUS_ONLY=name,name runs some; CORPUS_MAX_EXAMPLES (default 25) sets the examples per operation.
corpus: $(STAMP)
	$(BIN)/python tests/corpus/run.py --permissive adyen-binlookupservice-v54 --permissive shlink \
		--permissive coolify --permissive geoapify-geocoding

bench: $(STAMP)
	$(BIN)/python bench/bench_partners.py
	$(BIN)/python bench/bench_molgenis.py

# Build the image (Dockerfile) and smoke-test it through the published port (tests/container_smoke.py: health route,
# landing page, a Partners login and list, the Swagger UI); the container is removed either way. Not part of
# `make test` (building takes a minute or more): tests/engine/test_container.py runs it when APITWIN_CONTAINER is set.
# CONTAINER=docker works too; BASE_IMAGE replaces python:3.12-slim; BUILD_FLAGS/RUN_FLAGS pass engine options.
# Without Docker Hub, `make container-base` builds the base from Debian's mirror. On a VM whose cgroups crun refuses
# and that may not raise rlimits (this project's CI machine):
#   make container-base
#   make container BASE_IMAGE=localhost/apitwin-base:bookworm BUILD_FLAGS="--isolation chroot --network host" \
#        RUN_FLAGS="--runtime runc --ulimit nofile=$$(ulimit -Hn):$$(ulimit -Hn) --ulimit nproc=4096:4096"
CONTAINER ?= podman
BASE_IMAGE ?= python:3.12-slim
SMOKE_PORT ?= 18080
SMOKE_NAME ?= apitwin-smoke
# podman's own image format drops HEALTHCHECK; docker's build has no --format
IMAGE_FORMAT := $(if $(filter podman,$(notdir $(CONTAINER))),--format docker,)
container:
	$(CONTAINER) build $(IMAGE_FORMAT) $(BUILD_FLAGS) --build-arg BASE_IMAGE=$(BASE_IMAGE) -t apitwin .
	$(CONTAINER) run -d --name $(SMOKE_NAME) $(RUN_FLAGS) -p 127.0.0.1:$(SMOKE_PORT):8000 apitwin
	@$(PYTHON) -m tests.container_smoke http://127.0.0.1:$(SMOKE_PORT) \
		|| { $(CONTAINER) logs $(SMOKE_NAME); $(CONTAINER) rm -f $(SMOKE_NAME) >/dev/null; exit 1; }
	@$(if $(IMAGE_FORMAT),$(CONTAINER) healthcheck run $(SMOKE_NAME) && echo "  ok   the image's HEALTHCHECK" \
		|| { echo "  FAIL the image's HEALTHCHECK"; $(CONTAINER) rm -f $(SMOKE_NAME) >/dev/null; exit 1; },)
	@$(CONTAINER) rm -f $(SMOKE_NAME) >/dev/null

# A python:3.12-slim stand-in built from Debian's own mirror (bookworm, python3 3.11 + venv) for machines that reach
# package mirrors but not Docker Hub: debootstrap (root) into a temporary directory, imported as apitwin-base:bookworm.
# It trusts the host's CA bundle (pip inside the build then works behind the same TLS proxy as the host's pip).
DEBIAN_MIRROR ?= http://deb.debian.org/debian
HOST_CA ?= /etc/ssl/certs/ca-certificates.crt
container-base:
	@rootfs=$$(mktemp -d) && trap 'rm -rf "$$rootfs"' EXIT && \
	debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$$rootfs" \
		$(DEBIAN_MIRROR) >/dev/null && \
	rm -rf "$$rootfs"/var/cache/apt/archives/*.deb "$$rootfs"/var/lib/apt/lists/* && \
	cp $(HOST_CA) "$$rootfs"/etc/ssl/certs/ca-certificates.crt && \
	printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > "$$rootfs"/etc/pip.conf && \
	tar -C "$$rootfs" -c . | $(CONTAINER) import - apitwin-base:bookworm

clean:
	rm -rf $(VENV) .tools .hypothesis .schemathesis schemathesis-report
