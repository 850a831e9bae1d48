"""Labeling functions: the `@labeling_function(control=...)` decorator and what it makes (`LabelingFunction`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ABSTAIN = None  # what a labeling function returns when it has no opinion on a task


@dataclass(frozen=True)
class LabelingFunction:
    """One labeling function: its name, the control it labels, and the code that votes.

    `func` takes the task's data (`task["data"]`), or the whole task (`id`, `data`, `predictions`, `meta`) when
    `whole_task` is set, and returns one of the control's labels or None (abstain). `labels`, when given, are all
    it may return: they are checked against the control before any task is read."""

    name: str
    control: str
    func: Callable[[dict], Any]
    whole_task: bool = False
    labels: tuple[str, ...] | None = None  # the labels it can return, when known ahead (a YAML rule's)

    def __call__(self, task_or_data: dict) -> Any:
        return self.func(task_or_data)

    def vote(self, task: dict) -> Any:
        """The function's answer on a task as Label Studio lists it (`{"id", "data", "predictions", ...}`)."""
        return self.func(task if self.whole_task else (task.get("data") or {}))


def labeling_function(control: str, *, name: str | None = None,
                      whole_task: bool = False) -> Callable[[Callable[[dict], Any]], LabelingFunction]:
    """Make `func(task_data: dict) -> str | None` a labeling function of the control named `control`.

    ```python
    from sdk_scripts.weak import labeling_function

    @labeling_function(control="sentiment")
    def says_great(task_data: dict) -> str | None:
        return "positive" if "great" in task_data["text"].lower() else None
    ```

    `name` defaults to the function's name; with `whole_task=True` the function gets the whole task (its
    `predictions` and `meta` too) instead of its data.
    """
    if not isinstance(control, str) or not control:
        raise TypeError("labeling_function(control=...) needs the name of a control of the labeling config")

    def wrap(func: Callable[[dict], Any]) -> LabelingFunction:
        return LabelingFunction(name or func.__name__, control, func, whole_task)

    return wrap
