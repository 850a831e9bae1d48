"""The smoke test's phases: each timed and printed; a failure inside one names it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class PhaseFailed(RuntimeError):
    """A phase failed; `phase` names it, the message says why."""

    def __init__(self, phase: str, reason: str) -> None:
        super().__init__(reason)
        self.phase = phase


@dataclass
class Timeline:
    """The phases run so far with their elapsed seconds."""

    started: float = field(default_factory=time.monotonic)
    done: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        print(f"== {name}", flush=True)
        start = time.monotonic()
        try:
            yield
        except PhaseFailed:
            raise
        except Exception as exc:
            raise PhaseFailed(name, f"{type(exc).__name__}: {exc}") from exc
        finally:
            self.done.append((name, time.monotonic() - start))
            print(f"   {name}: {self.done[-1][1]:.1f} s", flush=True)

    def summary(self) -> str:
        width = max((len(name) for name, _ in self.done), default=5)
        lines = [f"  {name:<{width}}  {seconds:7.1f} s" for name, seconds in self.done]
        lines.append(f"  {'total':<{width}}  {time.monotonic() - self.started:7.1f} s")
        return "\n".join(lines)
