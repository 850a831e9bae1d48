"""Train the shipped shapes detector (yolo11n from yaml) on synthetic circle/square/triangle images.

Rerun:  python -m ml_backend.training.make_shapes_detector
        (defaults: 300 train + 40 val images, 320 px, 40 epochs, seed 0 → ml_backend/models/shapes_yolo11n.pt;
        ~15-20 min on 2 CPU cores). Tests run the same code path with --train 8 --val 4 --epochs 1 --imgsz 64.
Fully offline: the model is built from ultralytics' bundled yolo11n.yaml, no pretrained weights.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from ml_backend.offline import configure_offline
from ml_backend.training.shapes import write_yolo_dataset

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "models" / "shapes_yolo11n.pt"


def train(out: Path, n_train: int = 300, n_val: int = 40, epochs: int = 40, imgsz: int = 320, seed: int = 0,
          batch: int = 8, workdir: Path | None = None) -> Path:
    """Generate the data set, train, copy best.pt to `out` (stripped of optimizer state); returns out."""
    configure_offline()
    from ultralytics import YOLO

    work = Path(workdir or tempfile.mkdtemp(prefix="shapes-train-")).resolve()
    data = write_yolo_dataset(work / "data", n_train, n_val, seed=seed, size=imgsz)
    model = YOLO("yolo11n.yaml")
    model.train(data=str(data), epochs=epochs, imgsz=imgsz, batch=batch, seed=seed, deterministic=True,
                device="cpu", workers=0, project=str(work / "runs"), name="shapes", exist_ok=True,
                plots=False, amp=False, verbose=False, mosaic=1.0)
    weights = Path(model.trainer.save_dir) / "weights"
    best = weights / "best.pt" if (weights / "best.pt").exists() else weights / "last.pt"
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(best, out)
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=DEFAULT_OUT)
    p.add_argument("--train", type=int, default=300)
    p.add_argument("--val", type=int, default=40)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--imgsz", type=int, default=320)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workdir", type=Path, default=None)
    a = p.parse_args(argv)
    out = train(a.out, a.train, a.val, a.epochs, a.imgsz, a.seed, a.batch, a.workdir)
    print(f"wrote {out} ({out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
