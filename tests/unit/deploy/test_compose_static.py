"""Static checks of the production stack: docker-compose.yml, ml_backend/Dockerfile, .env.example.

No Docker engine and no network: the compose file is validated against the Compose Specification
JSON schema that check-jsonschema ships (`vendor/compose-spec.json`), and against this project's
rules (health checks, pinned images, no inline secrets, named volumes, offline backend).
"""

from __future__ import annotations

import importlib.resources
import importlib.util
import ipaddress
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from sdk_scripts.labelstudio.client import FAST_PREDICTION_IMPORT_FLAG
from tests.support.paths import ROOT

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "ml_backend" / "Dockerfile"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERIGNORE = ROOT / ".dockerignore"
SETUP_SCRIPT = ROOT / "deploy" / "setup.sh"

BACKEND_IMAGE_SERVICES = {"ml-backend", "setup", "rq-worker"}
# the one service without a health check: it runs `labelops backend connect` once and exits
# (restart "no"), so there is no running state to probe; it waits for the others to be healthy instead
ONE_SHOT_SERVICES = {"setup"}
SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "KEY", "PASS")
# names that contain a secret word but hold a boolean switch, with the only value allowed
NON_SECRET_FLAGS = {"LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true"}
# `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`, `${VAR?message}`, nothing around it
INTERPOLATION = re.compile(r"^\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}$")
EXACT_TAG = re.compile(r"^\d+\.\d+(\.\d+)?(-[a-z0-9][a-z0-9.-]*)?$")
ML_SUBNET = "172.31.240.0/24"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def _env(service: dict[str, Any]) -> dict[str, str]:
    """A service's `environment`, map or `KEY=VALUE` list form, as {name: value-as-written}."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def _pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"] + [d for extra in project["optional-dependencies"].values() for d in extra]
    return dict(d.split("==", 1) for d in deps if "==" in d)


def _dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


# -- schema --------------------------------------------------------------------------------


def _compose_schema_validator() -> Any:
    import check_jsonschema  # noqa: F401  (dev dependency: ships compose-spec.json)
    import jsonschema
    ref = importlib.resources.files("check_jsonschema.builtin_schemas").joinpath("vendor", "compose-spec.json")
    schema = json.loads(ref.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_compose_file_matches_the_compose_specification_schema(compose: dict[str, Any]) -> None:
    validator = _compose_schema_validator()
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in validator.iter_errors(compose)]
    assert errors == []


def test_the_schema_catches_a_broken_service(compose: dict[str, Any]) -> None:
    validator = _compose_schema_validator()
    broken = json.loads(json.dumps(compose))
    broken["services"]["ml-backend"]["helthcheck"] = {"test": ["CMD", "true"]}
    broken["services"]["postgres"]["ports"] = "5432:5432"
    assert len(list(validator.iter_errors(broken))) >= 2


def test_top_level_layout(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    assert compose["name"] == "labelops"
    assert set(services) == {"postgres", "label-studio", "ml-backend", "setup", "redis", "rq-worker"}
    assert all(key in ("name", "services", "networks", "volumes") or key.startswith("x-") for key in compose)
    assert services["redis"]["profiles"] == ["rq"] and services["rq-worker"]["profiles"] == ["rq"]
    assert all("profiles" not in s for name, s in services.items() if name not in ("redis", "rq-worker"))


# -- health checks -------------------------------------------------------------------------


def test_every_long_running_service_has_a_health_check(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in ONE_SHOT_SERVICES:
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), name
        assert isinstance(check["test"], list) and check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check["test"] != ["NONE"], name
    tests = {name: " ".join(s["healthcheck"]["test"]) for name, s in services.items() if name not in ONE_SHOT_SERVICES}
    assert "pg_isready" in tests["postgres"]
    assert "http://127.0.0.1:8080/health" in tests["label-studio"]
    assert "http://127.0.0.1:9090/health" in tests["ml-backend"]
    assert "BASIC_AUTH_USER" in tests["ml-backend"]  # /health needs the credentials when they are set
    assert "redis-cli ping" in tests["redis"]
    assert "Worker.all" in tests["rq-worker"]


def test_the_one_shot_setup_service_is_excluded_explicitly(services: dict[str, dict[str, Any]]) -> None:
    assert {"setup"} == ONE_SHOT_SERVICES
    setup = services["setup"]
    assert setup["restart"] == "no"
    assert setup["healthcheck"] == {"disable": True}
    assert setup["depends_on"] == {"label-studio": {"condition": "service_healthy"},
                                   "ml-backend": {"condition": "service_healthy"}}
    # every other dependency in the stack also waits for health, never for a bare start
    for name, service in services.items():
        for dep, spec in (service.get("depends_on") or {}).items():
            assert spec["condition"] == "service_healthy", (name, dep)
            assert dep not in ONE_SHOT_SERVICES, (name, dep)


# -- images and the Dockerfile -------------------------------------------------------------


def test_every_image_is_pinned_to_an_exact_version(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service["image"]
        repo, sep, tag = image.rpartition(":")
        assert sep and repo and "/" not in tag and "@" not in repo, f"{name}: {image!r} has no tag"
        assert tag != "latest" and EXACT_TAG.match(tag), f"{name}: {image!r} is not an exact version tag"
    assert services["label-studio"]["image"] == f"heartexlabs/label-studio:{_pins()['label-studio']}"
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    assert {services[n]["image"] for n in BACKEND_IMAGE_SERVICES} == {f"labelops-ml-backend:{version}"}
    assert services["postgres"]["image"].startswith("postgres:16.")


def test_services_that_build_use_the_backend_dockerfile(services: dict[str, dict[str, Any]]) -> None:
    building = {name for name, s in services.items() if "build" in s}
    assert building == BACKEND_IMAGE_SERVICES
    for name in building:
        assert services[name]["build"] == {"context": ".", "dockerfile": "ml_backend/Dockerfile"}, name
        assert (ROOT / services[name]["build"]["context"] / services[name]["build"]["dockerfile"]).is_file()


def test_dockerfile_pins_its_base_image_and_torch() -> None:
    text = _dockerfile()
    froms = re.findall(r"^FROM\s+(\S+)", text, flags=re.MULTILINE)
    assert froms and all(re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", f) for f in froms)
    pins = _pins()
    for package in ("torch", "torchvision"):
        found = set(re.findall(rf"(?<![\w-]){package}==([0-9][0-9A-Za-z.+]*)", text))
        assert found == {pins[package]}, f"{package}: Dockerfile {found} vs pyproject {pins[package]}"
    assert re.search(r"^RUN pip install -c constraints\.txt '\.\[backend\]' ", text, flags=re.MULTILINE)
    assert re.search(r"^USER (?!root)\w+", text, flags=re.MULTILINE), "the image must not run as root"


def test_setup_command_is_the_script_the_image_installs(services: dict[str, dict[str, Any]]) -> None:
    target = services["setup"]["command"][0]
    assert f"COPY deploy/setup.sh {target}" in _dockerfile()
    assert os.access(SETUP_SCRIPT, os.X_OK)


def test_dockerignore_keeps_secrets_out_and_the_package_in() -> None:
    lines = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()}
    assert {".env", ".git", ".venv"} <= lines
    for needed in ("pyproject.toml", "README.md", "LICENSE", "ml_backend", "sdk_scripts", "label_configs", "deploy"):
        assert needed not in lines and f"{needed}/" not in lines, needed


# -- secrets and .env ----------------------------------------------------------------------


def test_no_secret_is_written_inline(services: dict[str, dict[str, Any]]) -> None:
    checked = 0
    for name, service in services.items():
        assert service.get("env_file") in (None, ".env", [".env"]), name
        for var, value in _env(service).items():
            if not any(word in var.upper() for word in SECRET_WORDS):
                continue
            if var in NON_SECRET_FLAGS:
                assert value == NON_SECRET_FLAGS[var], (name, var)
                continue
            m = INTERPOLATION.match(value)
            assert m, f"{name}: {var} must come from ${{...}} interpolation, not {value!r}"
            # a default is allowed only when it is empty (optional secrets such as BASIC_AUTH_PASS)
            assert m["op"] in (None, ":?", "?") or m["arg"] == "", f"{name}: {var} has an inline default"
            checked += 1
    assert checked >= 9  # POSTGRES/POSTGRE passwords, LS password + token + SECRET_KEY, the backend's key, auth pass


def test_required_secrets_fail_fast_when_missing(services: dict[str, dict[str, Any]]) -> None:
    required = {
        ("postgres", "POSTGRES_PASSWORD"), ("label-studio", "POSTGRE_PASSWORD"),
        ("label-studio", "LABEL_STUDIO_PASSWORD"), ("label-studio", "LABEL_STUDIO_USER_TOKEN"),
        ("label-studio", "SECRET_KEY"),
        ("ml-backend", "LABEL_STUDIO_API_KEY"), ("setup", "LABEL_STUDIO_API_KEY"),
        ("rq-worker", "LABEL_STUDIO_API_KEY"),
    }
    for name, var in required:
        m = INTERPOLATION.match(_env(services[name])[var])
        assert m and m["op"] == ":?", (name, var)


def _compose_variables() -> set[str]:
    # `$${VAR}` / `$$VAR` are escapes for the container's shell, not compose variables
    return set(re.findall(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)", COMPOSE.read_text(encoding="utf-8")))


def _env_example_keys() -> list[str]:
    keys = []
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", line), f".env.example: bad line {line!r}"
            keys.append(line.split("=", 1)[0])
    return keys


def test_env_example_lists_every_variable_the_compose_file_uses() -> None:
    keys = _env_example_keys()
    assert len(keys) == len(set(keys)), "duplicate keys in .env.example"
    used = _compose_variables()
    assert used, "no ${VAR} found in docker-compose.yml"
    assert sorted(used - set(keys)) == []
    assert sorted(set(keys) - used) == []  # and nothing stale


def test_env_is_ignored_and_not_tracked() -> None:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    tracked = subprocess.run(["git", "ls-files", ".env"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert tracked.stdout.strip() == ""
    ignored = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=ROOT, check=False)
    assert ignored.returncode == 0, ".env must be listed in .gitignore"
    example = subprocess.run(["git", "check-ignore", "-q", ".env.example"], cwd=ROOT, check=False)
    assert example.returncode == 1, ".env.example must not be ignored"


# -- volumes -------------------------------------------------------------------------------


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """{target: source} of a service's short-syntax volumes (`source:target[:mode]`)."""
    out = {}
    for item in service.get("volumes") or []:
        source, target, *_ = item.split(":")
        out[target] = source
    return out


def test_data_lives_on_declared_named_volumes(compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    declared = set(compose["volumes"])
    assert {"postgres-data", "label-studio-data", "models", "model-dir"} <= declared
    assert _mounts(services["postgres"])["/var/lib/postgresql/data"] == "postgres-data"
    assert _mounts(services["label-studio"])["/label-studio/data"] == "label-studio-data"
    for name in ("ml-backend", "rq-worker"):
        env = _env(services[name])
        assert _mounts(services[name])["/models"] == "models", name
        assert "models:/models:ro" in services[name]["volumes"], f"{name}: weights are mounted read-only"
        assert _mounts(services[name])[env["MODEL_DIR"]] == "model-dir", name
    for name, service in services.items():
        for source in _mounts(service).values():
            assert source in declared, f"{name}: volume {source!r} is not declared at top level (or is a host path)"


# -- offline -------------------------------------------------------------------------------


def test_backend_image_services_never_download(services: dict[str, dict[str, Any]]) -> None:
    for name in BACKEND_IMAGE_SERVICES:
        env = _env(services[name])
        assert env["YOLO_OFFLINE"] == "1" and env["HF_HUB_OFFLINE"] == "1", name
        assert env["TRANSFORMERS_OFFLINE"] == "1", name
        m = INTERPOLATION.match(env["YOLO_MODEL_PATH"])
        assert m and m["arg"].startswith("/models/"), f"{name}: YOLO_MODEL_PATH must default into the models volume"
    text = _dockerfile()
    for var in ("YOLO_OFFLINE=1", "HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"):
        assert var in text


def test_label_studio_imports_predictions_without_recounting_the_project(services: dict[str, dict[str, Any]]) -> None:
    """The flag labelops' timeout message names (docs/production.md, Large projects) is the one compose sets."""
    assert _env(services["label-studio"])[FAST_PREDICTION_IMPORT_FLAG] == "true"


def test_label_studio_sends_nothing_off_the_machine_by_itself(services: dict[str, dict[str, Any]]) -> None:
    """Label Studio 1.23 asks pypi.org for its latest version at each start and sends error reports to its
    vendor's Sentry unless these are off (core/settings/base.py: LATEST_VERSION_CHECK, SENTRY_DSN)."""
    env = _env(services["label-studio"])
    assert env["LATEST_VERSION_CHECK"] == "false"
    assert env["SENTRY_DSN"] == "" and env["FRONTEND_SENTRY_DSN"] == ""


def test_backend_talks_to_label_studio_on_the_compose_network(services: dict[str, dict[str, Any]]) -> None:
    for name in BACKEND_IMAGE_SERVICES:
        assert _env(services[name])["LABEL_STUDIO_URL"] == "http://label-studio:8080", name
    setup = _env(services["setup"])
    assert urlsplit(setup["LABELOPS_BACKEND_URL"]).hostname in _backend_aliases(services)
    # the CLI's own names for the backend's basic-auth credentials carry the backend's values
    backend = _env(services["ml-backend"])
    assert setup["LABELOPS_BACKEND_USER"] == backend["BASIC_AUTH_USER"] == "${BASIC_AUTH_USER:-}"
    assert setup["LABELOPS_BACKEND_PASSWORD"] == backend["BASIC_AUTH_PASS"] == "${BASIC_AUTH_PASS:-}"
    assert services["rq-worker"]["command"] == ["rq", "worker", "labelops-training", "--url", "redis://redis:6379/0",
                                                "--worker-class", "rq.worker.SimpleWorker"]


def test_label_studio_uses_postgres(services: dict[str, dict[str, Any]]) -> None:
    env = _env(services["label-studio"])
    pg = _env(services["postgres"])
    assert env["DJANGO_DB"] == "default" and env["POSTGRE_HOST"] == "postgres" and env["POSTGRE_PORT"] == "5432"
    assert env["POSTGRE_NAME"] == pg["POSTGRES_DB"] and env["POSTGRE_USER"] == pg["POSTGRES_USER"]
    assert env["POSTGRE_PASSWORD"] == pg["POSTGRES_PASSWORD"]
    assert env["LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN"] == "true"


# -- Label Studio's SSRF guard -------------------------------------------------------------


def _label_studio_default_banned_subnets() -> list[str]:
    spec = importlib.util.find_spec("label_studio")
    assert spec and spec.submodule_search_locations
    src = (Path(next(iter(spec.submodule_search_locations))) / "core" / "utils" / "io.py").read_text(encoding="utf-8")
    body = src[src.index("def validate_ip"):src.index("\n    banned_subnets = [")]
    subnets = re.findall(r"'([0-9A-Fa-f:.]+/\d+)'", body)
    assert len(subnets) >= 20, "could not read Label Studio's default banned subnets"
    return subnets


def test_label_studio_may_reach_the_backend_subnet_and_nothing_else_private(
        compose: dict[str, Any], services: dict[str, dict[str, Any]]) -> None:
    assert compose["networks"]["ml"]["ipam"]["config"] == [{"subnet": ML_SUBNET}]
    assert compose["networks"]["db"]["internal"] is True and compose["networks"]["queue"]["internal"] is True
    assert set(services["postgres"]["networks"]) == {"db"} and set(services["redis"]["networks"]) == {"queue"}
    env = _env(services["label-studio"])
    # the guards stay on (their defaults); only the banned list changes
    assert "ML_BLOCK_LOCAL_IP" not in env and "SSRF_PROTECTION_ENABLED" not in env
    assert env["USE_DEFAULT_BANNED_SUBNETS"] == "false"
    value = env["USER_ADDITIONAL_BANNED_SUBNETS"]
    assert " " not in value  # Label Studio splits on "," without stripping
    banned = [ipaddress.ip_network(s) for s in value.split(",")]
    allowed = ipaddress.ip_network(ML_SUBNET)
    assert not any(allowed.overlaps(b) for b in banned if b.version == 4)
    for default in map(ipaddress.ip_network, _label_studio_default_banned_subnets()):
        same = [b for b in banned if b.version == default.version]
        covered = list(ipaddress.collapse_addresses(same + ([allowed] if default.version == 4 else [])))
        assert any(default.subnet_of(c) for c in covered), f"{default} is no longer banned"
    for name in ("label-studio", *BACKEND_IMAGE_SERVICES):
        assert "ml" in services[name]["networks"], name


# -- names Label Studio accepts ------------------------------------------------------------


def _backend_aliases(services: dict[str, dict[str, Any]]) -> set[str]:
    networks = services["ml-backend"]["networks"]
    assert isinstance(networks, dict), "ml-backend needs the long `networks:` form (an alias on `ml`)"
    return set(networks["ml"].get("aliases") or [])


def _django_url_valid(url: str) -> bool:
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    try:
        URLValidator()(url)
    except ValidationError:
        return False
    return True


def test_label_studio_accepts_the_backend_webhook_url(services: dict[str, dict[str, Any]]) -> None:
    """Label Studio validates webhook URLs with Django's URLValidator: a host without a dot is refused and the
    training webhook is silently never created, so Label Studio calls the backend by a dotted alias."""
    assert not _django_url_valid("http://ml-backend:9090/webhook")  # the bare service name: refused
    url = _env(services["setup"])["LABELOPS_BACKEND_URL"]
    host = urlsplit(url).hostname
    assert host in _backend_aliases(services) and "." in host
    assert _django_url_valid(f"{url}/webhook")
    default = re.search(r'backend="\$\{LABELOPS_BACKEND_URL:-([^}]+)\}"', SETUP_SCRIPT.read_text(encoding="utf-8"))
    assert default and default.group(1) == url, "deploy/setup.sh's default must be the compose file's URL"


def _token_column_length() -> int:
    """The length of Label Studio's token column: rest_framework.authtoken's Token.key (read from its source)."""
    spec = importlib.util.find_spec("rest_framework")
    assert spec and spec.submodule_search_locations
    source = (Path(next(iter(spec.submodule_search_locations))) / "authtoken" / "models.py").read_text(encoding="utf-8")
    match = re.search(r"^\s*key = models\.CharField\(.*max_length=(\d+)", source, flags=re.MULTILINE)
    assert match, "could not read Token.key's max_length"
    return int(match.group(1))


def test_every_admin_token_fits_label_studios_token_column(tmp_path: Path) -> None:
    """LABEL_STUDIO_USER_TOKEN: Label Studio ignores 5 characters or fewer; its column is varchar(40), which
    PostgreSQL enforces (SQLite does not): a longer token fails the first start and the admin has no token."""
    from deploy.compose_smoke.stack import env_example_values, smoke_settings
    from sdk_scripts.demo.server import demo_credentials
    from tests.support.labelstudio import TEST_ADMIN

    limit = _token_column_length()
    assert limit == 40
    example = env_example_values(ENV_EXAMPLE.read_text(encoding="utf-8"))
    tokens = {".env.example": example["LABEL_STUDIO_USER_TOKEN"], "the test harness": TEST_ADMIN.token,
              "make demo": demo_credentials(tmp_path / "demo").token,
              "make compose-smoke": smoke_settings(example, 8080, 5)["LABEL_STUDIO_USER_TOKEN"]}
    for where, token in tokens.items():
        assert 6 <= len(token) <= limit, f"{where}: a token of {len(token)} characters"


# -- the setup script ----------------------------------------------------------------------


def _run_setup(tmp_path: Path, fail_on: str = "", **env: str) -> tuple[int, list[str], str]:
    calls = tmp_path / "calls"
    stub = tmp_path / "bin" / "labelops"
    stub.parent.mkdir(exist_ok=True)
    stub.write_text(f'#!/bin/sh\nprintf "%s|" "$@" >> "{calls}"\necho >> "{calls}"\n'
                    f'[ -z "{fail_on}" ] || [ "$3" != "{fail_on}" ]\n', encoding="utf-8")
    stub.chmod(0o755)
    full_env = {"PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}", **env}
    proc = subprocess.run(["sh", str(SETUP_SCRIPT)], env=full_env, capture_output=True, text=True, timeout=30,
                          check=False)
    lines = calls.read_text(encoding="utf-8").splitlines() if calls.exists() else []
    return proc.returncode, lines, proc.stdout + proc.stderr


def test_setup_script_connects_every_configured_project(tmp_path: Path) -> None:
    rc, calls, _ = _run_setup(tmp_path, LABELOPS_PROJECTS=" 3, My project *,,", LABELOPS_PREDICT_ON_LOAD="TRUE",
                              LABELOPS_BACKEND_URL="http://ml-backend:9090")
    assert rc == 0
    assert calls == ["backend|connect|3|http://ml-backend:9090|--predict-on-load|",
                     "backend|connect|My project *|http://ml-backend:9090|--predict-on-load|"]


def test_setup_script_with_no_projects_does_nothing(tmp_path: Path) -> None:
    rc, calls, out = _run_setup(tmp_path, LABELOPS_PROJECTS=" , ")
    assert (rc, calls) == (0, [])
    assert "LABELOPS_PROJECTS is empty" in out


def test_setup_script_reports_a_failed_project_and_goes_on(tmp_path: Path) -> None:
    rc, calls, out = _run_setup(tmp_path, fail_on="1", LABELOPS_PROJECTS="1,2")
    assert rc == 1
    default = "http://ml-backend.labelops.internal:9090"  # the script's default: the compose file's value
    assert calls == [f"backend|connect|1|{default}|", f"backend|connect|2|{default}|"]
    assert "FAILED for project(s): '1'" in out
