# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test lint dataset bench bench-national bench-validation bench-documents clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

## run: the three Airflow DAGs against the portal simulator, then the quarterly figures
run: $(INSTALLED)
	$(BIN)/tthc demo

## test: lint, then every test (PostgreSQL ones need TTHC_TEST_PG_URL or a local server)
test: $(INSTALLED) lint
	$(BIN)/pytest

lint: $(INSTALLED)
	$(BIN)/ruff check .

## dataset: write the bundled sample dataset and the annex test fixtures again (byte for byte)
dataset: $(INSTALLED)
	$(BIN)/python -m simulator.dataset data/bac-kan-2020-q2
	$(BIN)/python -m simulator.annexes tests/fixtures/annexes

## bench: the load benchmark on PostgreSQL (TTHC_MIRROR_URL, default the local test database)
bench: $(INSTALLED)
	TTHC_MIRROR_URL=$${TTHC_MIRROR_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test} \
	  $(BIN)/tthc bench --rows 1000000 --json

## bench-national: full backfill and incremental run against the simulator, 1,000 and 23,039 decisions
bench-national: $(INSTALLED)
	$(BIN)/python -m bench.national_sync

## bench-validation: 1M decision-item rows through the province_items suite, against plain pandas
bench-validation: $(INSTALLED)
	$(BIN)/python -m bench.validation

## bench-documents: pages a second for text PDFs and scans (OCR), and a national first pass from them
bench-documents: $(INSTALLED)
	$(BIN)/python -m bench.documents

clean:
	rm -rf var
