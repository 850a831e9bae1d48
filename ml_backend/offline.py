"""Keep ultralytics, transformers and the Hugging Face hub fully offline.

Call `configure_offline()` before importing ultralytics: it sets the offline env vars (no package
auto-install either), points
ultralytics at a project-owned config dir holding a local font (no Arial.ttf download), and turns
its telemetry sync and its experiment-tracker callbacks off (ClearML, Comet, DVC, MLflow, Ray Tune,
TensorBoard, W&B: each would load, and some reach out, whenever its package happens to be installed).
Nothing here touches the network.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

# ultralytics settings kept off: telemetry and the training integrations
SETTINGS_OFF = {"sync": False, "clearml": False, "comet": False, "dvc": False, "mlflow": False, "raytune": False,
                "tensorboard": False, "wandb": False}
DEFAULT_CONFIG_DIR = Path(os.environ.get("LABELOPS_CACHE_DIR", Path.home() / ".cache" / "labelops")) / "ultralytics"


def _local_font() -> Path | None:
    try:
        import matplotlib
    except ImportError:  # pragma: no cover - matplotlib comes with ultralytics
        return None
    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return font if font.exists() else None


def configure_offline(config_dir: Path | None = None) -> Path:
    """Set offline env + ultralytics settings; returns the ultralytics config dir used."""
    cfg = Path(os.environ.get("YOLO_CONFIG_DIR") or config_dir or DEFAULT_CONFIG_DIR)
    os.environ["YOLO_CONFIG_DIR"] = str(cfg)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "False"  # a missing optional package is an error, never a pip install
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    font_dir = cfg / "Ultralytics"
    font_dir.mkdir(parents=True, exist_ok=True)
    font = _local_font()
    for name in ("Arial.ttf", "Arial.Unicode.ttf"):
        if font and not (font_dir / name).exists():
            shutil.copyfile(font, font_dir / name)
    from ultralytics import settings

    changes = {key: value for key, value in SETTINGS_OFF.items() if settings.get(key) != value}
    if changes:
        settings.update(changes)
    return cfg
