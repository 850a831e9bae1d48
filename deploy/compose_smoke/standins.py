"""Local stand-ins for the official images the compose stack names (Docker Hub is out of reach), built when missing.

Each is built from Debian's archive (a debootstrap base) and PyPI and tagged with the exact official name, so
`docker compose` and our Dockerfile's `FROM` resolve them locally. An image already present under that name is used
as it is: the real one, or a stand-in built from the same recipe (a label carries the recipe's digest).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from deploy.compose_smoke.shell import run_streamed

IMAGES_DIR = Path(__file__).parent / "images"
BASE_TAG = "labelops-smoke/bookworm:12"
CA_DIR = Path("/usr/local/share/ca-certificates")
APT_SOURCES = (Path("/etc/apt/sources.list"), Path("/etc/apt/sources.list.d"))


@dataclass(frozen=True)
class StandIn:
    """One official image to stand in for: its tag, the build recipe (a folder of images/), build args."""

    tag: str
    recipe: str
    build_args: tuple[tuple[str, str], ...] = ()


def dockerfile_base(dockerfile: str) -> str:
    """The image of a Dockerfile's first FROM line."""
    match = re.search(r"^FROM\s+(?:--platform=\S+\s+)?(\S+)", dockerfile, flags=re.M | re.I)
    if not match:
        raise ValueError("no FROM line in the Dockerfile")
    return match.group(1)


def stand_ins(compose: dict, dockerfile: str) -> list[StandIn]:
    """What to build, in build order, for a compose file (parsed) and the backend's Dockerfile (text)."""
    services = compose["services"]
    python = dockerfile_base(dockerfile)
    label_studio = services["label-studio"]["image"]
    return [
        StandIn(python, "python", (("BASE", BASE_TAG),)),
        StandIn(label_studio, "label-studio", (("BASE", python), ("LABEL_STUDIO_VERSION", label_studio.split(":")[1]))),
        StandIn(services["postgres"]["image"], "postgres", (("BASE", BASE_TAG),)),
        StandIn(services["redis"]["image"], "redis", (("BASE", BASE_TAG),)),
    ]


def debian_mirror(source_texts: Iterable[str]) -> str:
    """The first Debian archive URL in apt source files (one-line or deb822 format)."""
    for text in source_texts:
        match = re.search(r"(https?://\S+/debian)/?(?:\s|$)", text)
        if match:
            return match.group(1)
    return "http://deb.debian.org/debian"


def _source_texts() -> list[str]:
    files = [p for p in APT_SOURCES if p.is_file()]
    for folder in (p for p in APT_SOURCES if p.is_dir()):
        files += sorted(f for f in folder.iterdir() if f.suffix in (".list", ".sources"))
    return [f.read_text(errors="replace") for f in files]


DIGEST_LABEL = "org.labelops.standin.digest"


def recipe_digest(image: StandIn) -> str:
    """A digest of a stand-in's recipe (its folder's files and build args): a changed recipe is rebuilt."""
    digest = hashlib.sha256(repr(image.build_args).encode())
    files = sorted((IMAGES_DIR / image.recipe).rglob("*"))
    if image.recipe == "python":  # this machine's CA certificates go into it
        files += sorted(CA_DIR.glob("*.crt"))
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def image_labels(env: dict[str, str], tag: str) -> dict[str, str] | None:
    """The labels of a local image, None when there is no image of that name."""
    proc = subprocess.run(["docker", "image", "inspect", "--format", "{{json .Config.Labels}}", tag], env=env,
                          capture_output=True, text=True)
    return (json.loads(proc.stdout) or {}) if proc.returncode == 0 else None


def image_exists(env: dict[str, str], tag: str) -> bool:
    return image_labels(env, tag) is not None


def needs_build(labels: dict[str, str] | None, digest: str) -> bool:
    """Build when there is no image, or it is a stand-in from another recipe; a real official image is kept."""
    return labels is None or (DIGEST_LABEL in labels and labels[DIGEST_LABEL] != digest)


def build_base(env: dict[str, str], log: Path) -> None:
    """A minimal Debian bookworm image from debootstrap, imported as BASE_TAG."""
    mirror = debian_mirror(_source_texts())
    with tempfile.TemporaryDirectory(prefix="labelops-rootfs-") as tmp:
        rootfs = Path(tmp) / "rootfs"
        run_streamed(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), mirror], env, log)
        shutil.rmtree(rootfs / "var/lib/apt/lists", ignore_errors=True)
        (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True)
        for deb in (rootfs / "var/cache/apt/archives").glob("*.deb"):
            deb.unlink()
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE)
        imported = subprocess.run(["docker", "import", "-", BASE_TAG], env=env, stdin=tar.stdout,
                                  capture_output=True, text=True)
        tar.stdout.close()
        if tar.wait() != 0 or imported.returncode != 0:
            raise RuntimeError(f"importing the debootstrap root as {BASE_TAG} failed: {imported.stderr.strip()}")


def build_stand_in(env: dict[str, str], image: StandIn, log: Path) -> None:
    """Build one stand-in from images/<recipe>/ (the python one gets this machine's CA certificates in ca/)."""
    with tempfile.TemporaryDirectory(prefix=f"labelops-{image.recipe}-") as tmp:
        context = Path(tmp) / "context"
        shutil.copytree(IMAGES_DIR / image.recipe, context)
        if image.recipe == "python":
            (context / "ca").mkdir()
            for cert in CA_DIR.glob("*.crt"):
                shutil.copy(cert, context / "ca" / cert.name)
        args = [arg for key, value in image.build_args for arg in ("--build-arg", f"{key}={value}")]
        label = f"{DIGEST_LABEL}={recipe_digest(image)}"
        run_streamed(["docker", "build", "--tag", image.tag, "--label", label, *args, str(context)], env, log)


def ensure_stand_ins(env: dict[str, str], images: list[StandIn], log: Path, say=print) -> list[str]:
    """Build the base and every stand-in that is missing or from an older recipe; the tags built."""
    built: list[str] = []
    for image in images:
        base = dict(image.build_args).get("BASE")
        if not needs_build(image_labels(env, image.tag), recipe_digest(image)) and base not in built:
            continue
        if not built and not image_exists(env, BASE_TAG):
            say(f"  building {BASE_TAG} (debootstrap)")
            build_base(env, log)
            built.append(BASE_TAG)
        say(f"  building stand-in {image.tag}")
        build_stand_in(env, image, log)
        built.append(image.tag)
    return built


def load_compose(path: Path) -> dict:
    return yaml.safe_load(path.read_text())
