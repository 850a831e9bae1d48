"""Bulk pre-annotation on a Ray cluster: tasks as a Ray Dataset, an actor pool of the backend's model, bulk writes.

This process is the Ray driver. It lists the project's tasks once (skipping, as the other engines do, every
task that already holds a prediction of the current model version), hands the rest to Ray Data as a dataset
of `{id, data}` rows and runs `map_batches` over them with a fixed pool of actors, each building the model
once (`ml_backend.batch_predictor.BatchPredictor`, given by the caller: this module imports no backend code).
Predictions come back to the driver (`iter_batches`) and are stored here, in bulk requests of
`PUBLISH_CHUNK`, as the trainer publishes them; workers never write to Label Studio.

Predictions are stored every `PUBLISH_CHUNK` tasks and at least every `FLUSH_SECONDS` while tasks come in.

Faults: Ray Data restarts an actor that dies (its node lost, the process killed) and retries the batches it
was running, on the same actor once it is back (Ray Data's defaults: `max_restarts=-1`, `max_task_retries=-1`);
a batch reaches the driver once, and the driver also drops any task id it has already taken in this run, so
nothing is written twice. A run cut short keeps what it stored; the next run skips those tasks.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from tqdm import tqdm

from sdk_scripts.errors import LabelopsError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.preannotate import PreannotateResult, pending_tasks, prediction_row

log = logging.getLogger(__name__)

PUBLISH_CHUNK = 500  # predictions per import request (as the trainer's publish)
FLUSH_SECONDS = 5.0  # ... and what has come in is stored at least this often
DESCRIBE_RETRIES = 2  # the task saying the model_version, when its worker dies
BLOCKS_PER_BATCHES = 4  # rows per dataset block: this many batches (a lost block is this much work redone)
CONNECT_TIMEOUT = 10.0
RAY_GCS_PORT = 6379


@dataclass(frozen=True)
class RayEngine:
    """Where and how wide: the cluster's address (None: $RAY_ADDRESS, else a Ray instance started for this
    run), the actor pool's size, GPUs per actor, task rows per model call."""

    address: str | None = None
    actors: int = 1
    gpus_per_actor: float = 0.0
    batch_size: int = 16


@dataclass(frozen=True)
class RayModel:
    """The worker side, given by the caller: the actor class, a function saying the model_version a worker
    builds (or why it cannot), and the settings both take (opaque here)."""

    predictor: type
    describe: Callable[[str, Any], tuple[str, str]]
    overrides: Any = field(repr=False)


def cluster_address(address: str | None) -> str | None:
    """The address Ray will connect to: `address`, else $RAY_ADDRESS, else None (a local instance)."""
    return address or os.environ.get("RAY_ADDRESS") or None


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """LabelopsError naming `address` when it is not a cluster's `host:port` or nothing answers there."""
    if address.startswith("ray://"):
        # Ray Data needs a driver attached to a node (ray-project/ray#48682: not supported over Ray Client)
        raise LabelopsError(f"--address {address}: Ray Data does not run over Ray Client (ray://); run the command "
                            "on a node of the cluster with --address HOST:PORT (the head's GCS port) or auto")
    try:
        parts = urlsplit(f"//{address}")
        host, port = parts.hostname, parts.port or RAY_GCS_PORT
    except ValueError:
        host = port = None
    if not host or parts.path or parts.query or parts.fragment:
        raise LabelopsError(f"--address {address!r}: expected host:port or auto")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise LabelopsError(f"cannot reach the Ray cluster at {address} ({reason}); start it with "
                            "`ray start --head` or give its address with --address") from None


def connect(address: str | None) -> None:
    """`ray.init` for `address` (see `cluster_address`); one LabelopsError naming the address when it fails."""
    import ray

    target = cluster_address(address)
    if target not in (None, "auto", "local"):
        check_reachable(target)
    # the workers' own output (model loading, per-task warnings) shows here with -v; it is in the cluster's logs
    options: dict[str, Any] = {"logging_level": logging.WARNING, "log_to_driver": log.isEnabledFor(logging.INFO)}
    if target in (None, "local"):
        options["include_dashboard"] = False
    try:
        ray.init(address=target, **options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = f"at {target}" if target else "on this machine"
        raise LabelopsError(f"cannot connect to the Ray cluster {where}: {_first_line(exc)}") from None


def fits_one_actor(nodes: list[dict], gpus: float) -> bool:
    """Whether some live node (as `ray.nodes()` lists them) has the CPU and the `gpus` GPUs one actor reserves.

    Ray would otherwise wait for such a node without end (an actor no node can hold is never started)."""
    return any(node.get("Alive") and node.get("Resources", {}).get("CPU", 0) >= 1
               and node.get("Resources", {}).get("GPU", 0) >= gpus for node in nodes)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _reason(exc: BaseException) -> str:
    """What went wrong, in one line: a task's own exception (Ray's `cause`), else Ray's message."""
    cause = getattr(exc, "cause", None)
    return f"{type(cause).__name__}: {_first_line(cause)}" if isinstance(cause, BaseException) else _first_line(exc)


def _dataset(rows: list[dict], model: RayModel, engine: RayEngine, config: str) -> Any:
    """The rows as a Ray Dataset, mapped by the actor pool (lazy: nothing runs before it is iterated)."""
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    if not log.isEnabledFor(logging.INFO):  # Ray Data's own console lines (plan, start, finish) only with -v
        for handler in logging.getLogger("ray.data").handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setLevel(logging.WARNING)
    blocks = max(1, math.ceil(len(rows) / (engine.batch_size * BLOCKS_PER_BATCHES)))
    dataset = ray.data.from_items(rows, override_num_blocks=blocks)
    return dataset.map_batches(model.predictor, fn_constructor_kwargs={"label_config": config,
                                                                       "overrides": model.overrides},
                               batch_size=engine.batch_size, batch_format="numpy",
                               compute=ray.data.ActorPoolStrategy(size=engine.actors),
                               num_gpus=engine.gpus_per_actor or None)


class _Writer:
    """Predictions from the driver to Label Studio in bulk, each task id at most once per run."""

    def __init__(self, client: LabelStudioClient, project_id: int, result: PreannotateResult, expected: set[int],
                 bar: tqdm) -> None:
        self.client, self.project_id, self.result, self.expected, self.bar = client, project_id, result, expected, bar
        self.taken: set[int] = set()
        self.rows: list[dict] = []
        self.flushed = time.monotonic()

    def add(self, batch: dict[str, Any]) -> None:
        version = self.result.model_version
        for task_id, result, score, model_version in zip(batch["id"], batch["result"], batch["score"],
                                                         batch["model_version"], strict=True):
            task_id = int(task_id)
            if model_version != version:
                self.flush()
                raise LabelopsError(f"a Ray worker answered with model_version {model_version}, not {version}: "
                                    "the cluster's nodes serve different weights or settings")
            if task_id in self.taken or task_id not in self.expected:
                continue
            self.taken.add(task_id)
            regions = json.loads(result)
            self.rows.append(prediction_row(task_id, regions, float(score), version))
            self.result.empty += not regions
        if len(self.rows) >= PUBLISH_CHUNK or time.monotonic() - self.flushed >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        self.flushed = time.monotonic()
        for start in range(0, len(rows), PUBLISH_CHUNK):
            chunk = rows[start:start + PUBLISH_CHUNK]
            self.client.import_predictions(self.project_id, chunk)
            self.result.predicted += len(chunk)
            self.bar.update(len(chunk))


def preannotate_on_ray(client: LabelStudioClient, project_id: int, model: RayModel, engine: RayEngine, *,
                       only_unlabeled: bool = False, progress: bool = True) -> PreannotateResult:
    """Predict, on the Ray cluster, every task still lacking a prediction of the current model version."""
    import ray
    from ray.exceptions import RayError

    config = client.project(project_id)["label_config"]
    started = time.monotonic()
    connect(engine.address)
    try:
        if not fits_one_actor(ray.nodes(), engine.gpus_per_actor):
            needs = f"1 CPU and {engine.gpus_per_actor:g} GPU(s)" if engine.gpus_per_actor else "1 CPU"
            raise LabelopsError(f"no node of the Ray cluster has {needs} for an actor (--gpus-per-actor "
                                f"{engine.gpus_per_actor:g}); add such a node first")
        try:
            version, unservable = ray.get(ray.remote(model.describe).options(max_retries=DESCRIBE_RETRIES)
                                          .remote(config, model.overrides))
        except RayError as exc:
            raise LabelopsError(f"the Ray workers could not build the model (is labelops[backend,ray] installed "
                                f"on every node?): {_reason(exc)}") from None
        if unservable:
            raise LabelopsError(unservable)
        log.info("labelops: Ray workers serve %s (connected and described in %.1f s)", version,
                 time.monotonic() - started)
        result = PreannotateResult(version)
        todo = pending_tasks(client, project_id, result, only_unlabeled)
        if not todo:
            return result
        rows = [{"id": t["id"], "data": json.dumps(t["data"])} for t in todo]
        bar = tqdm(total=len(rows), unit="task", desc="preannotate (ray)", disable=not progress, file=sys.stderr)
        writer = _Writer(client, project_id, result, {r["id"] for r in rows}, bar)
        try:
            for batch in _dataset(rows, model, engine, config).iter_batches(batch_size=None, batch_format="numpy"):
                writer.add(batch)
        except RayError as exc:
            writer.flush()
            raise LabelopsError(f"the Ray job stopped after {result.predicted} of {len(rows)} tasks (stored; a "
                                f"rerun resumes): {_reason(exc)}") from None
        writer.flush()
        bar.close()
        log.info("labelops: %d tasks predicted on %d Ray actor(s) in %.1f s", result.predicted, engine.actors,
                 time.monotonic() - started)
        return result
    finally:
        ray.shutdown()
