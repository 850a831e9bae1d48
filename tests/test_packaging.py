"""The built wheel holds every package and data file (a non-editable `pip install .`, as the Docker image does)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_wheel_contains_every_package_and_the_shipped_data(tmp_path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path)], check=True, capture_output=True)
    wheel = next(tmp_path.glob("labelops-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    packages = {str(p.relative_to(ROOT)) for top in ("ml_backend", "sdk_scripts", "label_configs")
                for p in (ROOT / top).rglob("__init__.py") if "__pycache__" not in p.parts}
    assert packages and packages <= names, sorted(packages - names)
    shipped = {"ml_backend/models/shapes_yolo11n.pt", "ml_backend/data/emotions_60.json",
               "sdk_scripts/samples/emotion_tasks.jsonl", "label_configs/text_emotion.xml"}
    assert shipped <= names, sorted(shipped - names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    assert "License-Expression: AGPL-3.0-only" in zipfile.ZipFile(wheel).read(metadata).decode()
