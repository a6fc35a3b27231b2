# Two commands on a fresh machine: `make serve` and `make test`. Both bootstrap .venv idempotently.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test bench contract contract-deep clean venv lint lint-external

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

serve: $(STAMP)
	$(BIN)/apitwin serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

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

bench: $(STAMP)
	$(BIN)/python bench/bench_partners.py
	$(BIN)/python bench/bench_molgenis.py

clean:
	rm -rf $(VENV) .tools .hypothesis .schemathesis schemathesis-report
