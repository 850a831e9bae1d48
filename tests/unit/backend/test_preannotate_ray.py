"""The Ray engine's parts that need no cluster: its actor class answers as the in-process model does, settings
travel without showing the token, and bad input (no Ray, a wrong or unreachable address, Ray options without
`--engine ray`) is one error line before anything is sent."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ml_backend.batch_predictor import BatchPredictor, SettingsOverrides, describe
from ml_backend.model import LabelopsModel
from ml_backend.settings import BackendSettings
from sdk_scripts import cli
from sdk_scripts.devserver.ports import free_port
from sdk_scripts.label_config_library import read_config
from sdk_scripts.preannotate_ray import fits_one_actor
from tests.support.cli import one_error_line
from tests.support.paths import ROOT

TEXT_CONFIG = read_config("text_sentiment")
TEXTS = ["What a wonderful day, I loved every minute.", "The parcel arrived broken and nobody answers.",
         "It was a meeting on Tuesday."]


def test_the_actor_answers_each_row_as_the_in_process_model() -> None:
    overrides = SettingsOverrides.of(BackendSettings(), label_studio_url="http://127.0.0.1:9")
    actor = BatchPredictor(TEXT_CONFIG, pickle.loads(pickle.dumps(overrides)))  # as Ray ships it
    batch = {"id": np.array([7, 3, 11]), "data": np.array([f'{{"text": "{t}"}}' for t in TEXTS], dtype=object)}
    out = actor(batch)

    local = LabelopsModel(label_config=TEXT_CONFIG, settings=BackendSettings()).predict(
        [{"id": i, "data": {"text": t}} for i, t in zip((7, 3, 11), TEXTS, strict=True)])
    assert out["id"].tolist() == [7, 3, 11]
    assert out["score"].tolist() == [p["score"] for p in local]
    assert set(out["model_version"]) == {local[0]["model_version"]} == {describe(TEXT_CONFIG, overrides)[0]}
    for regions, want in zip(out["result"], local, strict=True):
        got = [{k: v for k, v in r.items() if k != "id"} for r in json.loads(regions)]
        assert got == [{k: v for k, v in r.items() if k != "id"} for r in want["result"]]



def test_describe_says_why_a_config_cannot_be_served() -> None:
    one_choice = '<View><Text name="t" value="$t"/><Choices name="c" toName="t"><Choice value="a"/></Choices></View>'
    version, why = describe(one_choice, SettingsOverrides())
    assert version == "" and "at least two choices" in why


def test_settings_travel_as_changed_values_and_their_repr_names_no_value() -> None:
    here = BackendSettings(text_temperature=0.1, label_studio_api_key="tok-very-secret")
    overrides = SettingsOverrides.of(here, label_studio_url="http://ls:8080")
    assert set(overrides.values) == {"text_temperature", "label_studio_api_key", "label_studio_url"}
    assert "tok-very-secret" not in repr(overrides) and "label_studio_api_key" in repr(overrides)
    worker = pickle.loads(pickle.dumps(overrides)).settings()
    assert (worker.text_temperature, worker.label_studio_api_key) == (0.1, "tok-very-secret")
    assert worker.yolo_model_path == BackendSettings().yolo_model_path  # a default stays the worker's own


@pytest.fixture
def ls_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Label Studio connection that nothing answers: these errors come before any request to it."""
    monkeypatch.setenv("LABEL_STUDIO_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", "not-used")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)


def test_an_unreachable_cluster_is_one_error_naming_its_address(ls_env, capsys) -> None:
    address = f"127.0.0.1:{free_port()}"
    code = cli.main(["preannotate", "1", "--engine", "ray", "--address", address])
    line = one_error_line(capsys.readouterr().err, code)
    assert line == (f"labelops: error: cannot reach the Ray cluster at {address} (Connection refused); start it "
                    "with `ray start --head` or give its address with --address")


def test_an_address_that_is_no_address_is_one_error(ls_env, capsys) -> None:
    code = cli.main(["preannotate", "1", "--engine", "ray", "--address", "http://head:6379"])
    assert one_error_line(capsys.readouterr().err, code) == (
        "labelops: error: --address 'http://head:6379': expected host:port or auto")


def test_ray_client_addresses_are_refused_saying_why(ls_env, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAY_ADDRESS", "ray://head:10001")  # the default address, from the environment
    code = cli.main(["preannotate", "1", "--engine", "ray"])
    assert one_error_line(capsys.readouterr().err, code) == (
        "labelops: error: --address ray://head:10001: Ray Data does not run over Ray Client (ray://); run the "
        "command on a node of the cluster with --address HOST:PORT (the head's GCS port) or auto")


@pytest.mark.parametrize(("argv", "message"), [
    (["--actors", "2"], "argument --actors: only with --engine ray"),
    (["--backend", "http://127.0.0.1:9", "--address", "auto"], "argument --address: only with --engine ray"),
    (["--engine", "ray", "--backend", "http://127.0.0.1:9"], "argument --backend: not with --engine ray"),
    (["--engine", "ray", "--actors", "0"], "argument --actors: must be at least 1"),
    (["--engine", "ray", "--gpus-per-actor", "-1"], "argument --gpus-per-actor: must be a finite number in"),
])
def test_ray_options_are_argument_errors_out_of_place(argv: list[str], message: str, capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["preannotate", "1", *argv])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


HIDE_RAY = '''
import sys
class _Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "ray":
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Hide())
'''


def test_without_ray_installed_the_error_names_the_extra(tmp_path: Path) -> None:
    (tmp_path / "sitecustomize.py").write_text(HIDE_RAY)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "LABEL_STUDIO_URL": "http://127.0.0.1:9",
           "LABEL_STUDIO_API_KEY": "not-used"}
    result = subprocess.run([sys.executable, "-m", "sdk_scripts.cli", "preannotate", "1", "--engine", "ray"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == ("labelops: error: `labelops preannotate --engine ray` needs Ray Data (not installed: "
                             "ray): pip install 'labelops[ray]'\n")


def test_an_actor_needs_a_live_node_with_its_cpu_and_gpus() -> None:
    cpu_only = {"Alive": True, "Resources": {"CPU": 4.0, "memory": 1e9}}
    gpu_node = {"Alive": True, "Resources": {"CPU": 8.0, "GPU": 2.0}}
    assert fits_one_actor([cpu_only], 0) and not fits_one_actor([cpu_only], 1)
    assert fits_one_actor([cpu_only, gpu_node], 2) and not fits_one_actor([cpu_only, gpu_node], 2.5)
    assert fits_one_actor([cpu_only, gpu_node], 0.5)
    assert not fits_one_actor([{**gpu_node, "Alive": False}], 1)  # a lost node holds nothing
    assert not fits_one_actor([{"Alive": True, "Resources": {"CPU": 0.0, "GPU": 1.0}}], 1)  # `--num-cpus 0` head
