"""Where training runs execute: the embedded worker (default) or an RQ queue on Redis.

Both give the same guarantees per project: nothing runs before TRAIN_MIN_ANNOTATIONS new
annotations (START_TRAINING skips that), at most one run at a time, and any number of events during
a run cause exactly one follow-up run.

- `EmbeddedQueue` runs `train_project` on a background thread inside the backend process
  (`scheduler.TrainingScheduler`). Serve the backend with one gunicorn worker (threads for
  concurrency) so one scheduler sees every event; a per-project file lock keeps runs from stacking
  even if several processes share the model directory.
- `RQQueue` (TRAIN_QUEUE=rq, REDIS_URL=...) enqueues `run_training_job` on the RQ queue
  Label Studio itself uses; start workers with `rq worker labelops-training --url REDIS_URL`
  on any machine that shares MODEL_DIR. The per-project counters live in Redis; a follow-up job is
  enqueued with `depends_on` the running one, so it starts only after it.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from ml_backend.active_learning.scheduler import TrainingScheduler
from ml_backend.settings import BackendSettings

log = logging.getLogger(__name__)
RQ_QUEUE_NAME = "labelops-training"


class TrainingQueue(Protocol):
    def notify(self, project: str, new_annotations: int = 1, force: bool = False, count_only: bool = False) -> str:
        ...

    def state(self, project: str) -> dict[str, Any]: ...


def _train(project: str, settings: BackendSettings) -> None:
    from ml_backend.active_learning.trainer import train_project

    train_project(project, settings)


class EmbeddedQueue:
    """Training on a background thread of this process."""

    def __init__(self, settings: BackendSettings) -> None:
        self.scheduler = TrainingScheduler(lambda project: _train(project, settings),
                                           min_new_annotations=settings.train_min_annotations)

    def notify(self, project: str, new_annotations: int = 1, force: bool = False, count_only: bool = False) -> str:
        return self.scheduler.notify(project, new_annotations, force, count_only)

    def state(self, project: str) -> dict[str, Any]:
        s = self.scheduler.state(project)
        return {"queue": "embedded", "running": s.running, "follow_up_queued": s.dirty,
                "new_annotations_since_last_run": s.pending, "min_new_annotations": self.scheduler.min_new_annotations,
                "runs": s.runs, "failures": s.failures, "last_error": s.last_error}


def run_training_job(project: str) -> None:
    """The RQ job: one training run with the worker's own settings (env / config file)."""
    _train(project, BackendSettings.load())


class RQQueue:
    """Training jobs on RQ (Redis); same debounce rules, counters in Redis."""

    def __init__(self, settings: BackendSettings) -> None:
        from redis import Redis
        from rq import Queue

        self.redis = Redis.from_url(settings.redis_url)
        self.queue = Queue(RQ_QUEUE_NAME, connection=self.redis)
        self.min_new = max(1, settings.train_min_annotations)

    def _key(self, project: str, what: str) -> str:
        return f"labelops:train:{project}:{what}"

    def _job(self, project: str) -> Any:
        from rq.job import Job

        job_id = self.redis.get(self._key(project, "job"))
        if not job_id:
            return None
        try:
            return Job.fetch(job_id.decode(), connection=self.redis)
        except Exception:  # expired or deleted
            return None

    def notify(self, project: str, new_annotations: int = 1, force: bool = False, count_only: bool = False) -> str:
        from rq.job import JobStatus

        with self.redis.lock(self._key(project, "lock"), timeout=30, blocking_timeout=30):
            pending = self.redis.incrby(self._key(project, "pending"), max(0, new_annotations))
            if count_only and not force:
                return "counted"
            job = self._job(project)
            status = job.get_status(refresh=True) if job is not None else None
            if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                return "queued"  # a run that has not started yet will see these annotations
            if status != JobStatus.STARTED and not force and pending < self.min_new:
                return "waiting"
            depends = job if status == JobStatus.STARTED else None  # the follow-up waits for the running one
            self.redis.set(self._key(project, "pending"), 0)
            new = self.queue.enqueue(run_training_job, project, depends_on=depends, job_timeout=3600,
                                     result_ttl=86400, failure_ttl=86400)
            self.redis.set(self._key(project, "job"), new.id)
            return "queued" if depends is not None else "started"

    def state(self, project: str) -> dict[str, Any]:
        job = self._job(project)
        status = str(job.get_status(refresh=True).value) if job is not None else None
        return {"queue": "rq", "last_job": job.id if job is not None else None, "last_job_status": status,
                "running": status == "started", "follow_up_queued": status in ("deferred", "queued"),
                "new_annotations_since_last_run": int(self.redis.get(self._key(project, "pending")) or 0),
                "min_new_annotations": self.min_new}


def make_queue(settings: BackendSettings) -> TrainingQueue:
    return RQQueue(settings) if settings.train_queue == "rq" else EmbeddedQueue(settings)
