# labelops — the README's two commands (`make demo`, `make test`) and their helpers.
# Everything installs into .venv with the machine's python3 (3.11: torch 2.14.1 wheels are for it).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.labelops-installed

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install constraints system-deps demo test test-unit bench detector lint clean docs compose-deps compose-smoke

install: $(STAMP)

# Everything the demo and the tests need (the [dev] extra pulls [backend], [pii] and [server]), at the exact
# versions of constraints.txt. A venv made before the extras split loses label-studio-ml (it pins Flask 1.1.2)
# and the GUI OpenCV build (it shares cv2/ with opencv-python-headless, whose files are then put back).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	if $(BIN)/python -m pip show -q opencv-python ultralytics >/dev/null 2>&1; then \
		$(BIN)/python -m pip uninstall -y -q opencv-python ultralytics && \
		$(BIN)/python -m pip install --quiet --no-deps --force-reinstall -c constraints.txt \
			opencv-python-headless ultralytics-opencv-headless; fi
	$(BIN)/python -m pip uninstall -y -q label-studio-ml 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip check
	touch $(STAMP)

# Regenerate constraints.txt from the working venv (after changing pyproject.toml and installing); commit it.
constraints:
	$(BIN)/python tools/freeze_constraints.py > constraints.txt.new && mv constraints.txt.new constraints.txt

# Debian packages the tests use: chromium renders the edge-case page in a headless browser;
# redis-server carries the RQ training queue test; postgresql's binaries run the throwaway cluster
# the second test run puts Label Studio on (sdk_scripts/devserver/postgres.py).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing (headless browser, Redis for the RQ queue test, PostgreSQL)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

# What `make compose-smoke` needs (as root): Debian's docker.io, iptables and debootstrap, and Compose v2 from
# Debian trixie's docker-compose package (bookworm's is v1, which rejects docker-compose.yml).
compose-deps:
	deploy/compose_smoke/install_deps.sh

# The production stack (docker-compose.yml) started for real on Docker, offline: stand-in images for the official
# ones, our backend image, a project, an annotator, a training run, then `down -v` (deploy/compose_smoke/).
# Runs as root when it must start dockerd; ~11 GB of images kept in ~/.cache/labelops/docker for the next run.
compose-smoke: install compose-deps
	$(BIN)/python -m deploy.compose_smoke

demo: install
	$(BIN)/python -m sdk_scripts.demo

# The whole suite, both tiers (tests/unit: no server; tests/integration: real servers), with Label Studio on
# SQLite (browser tests included: Label Studio's UI in Debian's chromium, screenshots in test-results/browser/),
# then the Label Studio integration tests again with Label Studio on a real PostgreSQL (a throwaway cluster on
# loopback, started and removed by the test session); the UI is the same.
test: install system-deps
	$(BIN)/ruff check .
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet --site-dir test-results/site
	$(BIN)/python -m pytest --junitxml=test-results/junit.xml $(PYTEST_ARGS)
	LABELOPS_TEST_DB=postgres $(BIN)/python -m pytest -m "label_studio and not sqlite_only and not browser and not api_feature" --junitxml=test-results/junit-postgres.xml $(PYTEST_ARGS)

# The unit tier alone: no Label Studio, gunicorn, PostgreSQL, Redis, Docker or browser.
test-unit: install
	$(BIN)/python -m pytest tests/unit --junitxml=test-results/junit-unit.xml $(PYTEST_ARGS)

# The documentation site (mkdocs-material; reference pages generated from the code) into site/.
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

# Benchmarks print figures (no pass/fail); each bench/*.py runs in turn.
bench: install
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

# Retrain the shipped shapes detector (ml_backend/models/shapes_yolo11n.pt), ~15-20 min on 2 CPU cores.
detector: install
	$(BIN)/python -m ml_backend.training.make_shapes_detector

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf .cache .demo test-results .pytest_cache
