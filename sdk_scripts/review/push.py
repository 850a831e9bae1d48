"""`labelops review push`: send disagreements to a review project, once, refreshed when they change.

Each picked source task becomes one review task keyed `review:<source project>:<source task>` (its
`labelops_key`), carrying the source data, a `review_info` text saying why it is there, every
annotator's answer side by side (`review_versions`, with their names, self-rated confidence, flags and
comment; `review.versions`), its agreement and the reasons it was picked as Data Manager columns, a
machine-readable link back (`labelops_review`: source ids, annotation ids, agreement, reasons,
fingerprint), and every annotator's annotation as a prediction named after them plus the `consensus`
prediction the labeling stream pre-fills (blank unless everyone agreed). A review task and its
predictions are created in one import request, so a push cut off at any point leaves whole review
tasks only, and a rerun creates exactly the missing ones. A source task whose annotations changed
since its review task was made (or a review task made by an older labelops, without the table) gets
that review task refreshed in place. The review project carries reviewer instructions and a Data
Manager tab of its own (`review.review_project`).

Concurrent runs: on one machine `review.lock` lets one push of a source project run at a time. Runs
that still overlap (other machines) are made safe after the fact: after creating, a push lists the
review project again and removes duplicates, so every run keeps the same one (the review task that
has a review, else the lowest id; a reviewed duplicate is never deleted), and a review project
created twice is folded into the one with the lowest id. Each source task records its review task
per review project title in its meta (`labelops_review_tasks`), so pushing to another review
project (`--review-project`) neither repoints the first one's links nor reads as a deletion.

Adaptive overlap (`max_annotators`, `review.overlap`): a task below the threshold whose annotators have all
answered first gets one more annotator at a time, up to the maximum; while it waits it stays out of review
(an unreviewed review task it had is withdrawn), and it goes to review only if still below at the maximum.
Review tiers (`tiers`, `review.tiers`): each tier has its own review project, made on every push; a picked
task goes to the first tier whose rule it matches, else to the default review project. A task reviewed in
one tier stays there; an unreviewed one follows the rules (its old review task is removed once the new one
exists).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sdk_scripts.errors import LabelopsError, NotFoundError
from sdk_scripts.labelstudio.client import LabelStudioClient
from sdk_scripts.labelstudio.export_snapshots import read_project
from sdk_scripts.labelstudio.project_titles import TITLE_MAX
from sdk_scripts.review.annotations import fingerprint, interpretations
from sdk_scripts.review.lock import project_lock
from sdk_scripts.review.overlap import (
    RAISE,
    WAITING,
    OverlapPlan,
    OverlapSummary,
    check_max_annotators,
    plan_overlap,
    raise_fields,
    summarize,
)
from sdk_scripts.review.placement import (
    SOURCE_META_FIELD,
    TierPush,
    decided_sources,
    is_reviewed,
    place,
    review_key,
)
from sdk_scripts.review.review_config import REVIEW_INFO, REVIEW_VERSIONS, compose_review_config
from sdk_scripts.review.review_project import (
    AGREEMENT_FIELD,
    LINK_FIELD,
    PICKED_FOR_FIELD,
    review_project_fields,
    settle_review_project,
)
from sdk_scripts.review.selection import ReviewPick, select_for_review
from sdk_scripts.review.tiers import DEFAULT_TIER, Tier, check_tiers_against, config_problem, route, task_facts
from sdk_scripts.review.versions import review_predictions, transcript_controls, versions_table
from sdk_scripts.task_files import KEY_FIELD

__all__ = ["LINK_FIELD", "SOURCE_META_FIELD", "PushReport", "TierPush", "find_or_create_review_project", "push_reviews",
           "review_key"]
LEGACY_META_FIELD = "labelops_review_task"  # before: {"project": id, "task": id}, default title only


@dataclass
class PushReport:
    """What a push did: the default review project, every tier's, the picks and adaptive overlap's account."""

    review_project: dict
    picks: list[ReviewPick]
    orphaned: list[int] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    duplicates_removed: list[int] = field(default_factory=list)
    tiers: list[TierPush] = field(default_factory=list)  # the default tier first
    overlap: OverlapSummary | None = None  # with --max-annotators, or while raised tasks wait
    withdrawn: list[int] = field(default_factory=list)  # review tasks removed: their task waits for an annotator
    moved: list[int] = field(default_factory=list)  # unreviewed review tasks removed: their task moved tier

    @property
    def created(self) -> list[int]:
        return [i for t in self.tiers for i in t.created]

    @property
    def refreshed(self) -> list[int]:
        return [i for t in self.tiers for i in t.refreshed]

    @property
    def unchanged(self) -> list[int]:
        return [i for t in self.tiers for i in t.unchanged]

    def as_json(self) -> dict:
        return {"review_projects": [t.as_json() for t in self.tiers], "need_review": len(self.picks),
                "overlap": self.overlap.as_json() if self.overlap else None, "withdrawn": self.withdrawn,
                "moved": self.moved, "orphaned": self.orphaned, "duplicates_removed": self.duplicates_removed,
                "messages": self.messages}


def orphaned_review_tasks(review_tasks: list[dict], source_id: int, source_task_ids: set[int]) -> list[int]:
    """Review tasks of this source project whose source task no longer exists."""
    return [t["id"] for t in review_tasks
            if (t["data"].get(LINK_FIELD) or {}).get("source_project") == source_id
            and (t["data"].get(LINK_FIELD) or {}).get("source_task") not in source_task_ids]


def default_review_title(source_title: str) -> str:
    """`<title> [review]`, the source title shortened to fit Label Studio's 50-character limit."""
    suffix = " [review]"
    return f"{source_title[:TITLE_MAX - len(suffix)].rstrip()}{suffix}"


def annotator_email(annotation: dict, users: Mapping[int, Mapping]) -> str:
    user = annotation.get("completed_by")
    if not isinstance(user, int):
        return str(user)
    return str((users.get(user) or {}).get("email") or f"user {user}")


def organization_users(client: LabelStudioClient) -> dict[int, dict]:
    """User id -> the user as Label Studio lists it (email, first_name, last_name) for the whole organization."""
    users = client._raw("GET", "api/users/", "list the organization's users")
    return {u["id"]: u for u in users or [] if isinstance(u, dict) and isinstance(u.get("id"), int)}


VOTED_NOTE = " (a transcript by three or more starts from their word-by-word vote)"


def build_review_task(source_project: dict, task: dict, pick: ReviewPick, users: Mapping[int, Mapping],
                      threshold: float, tier: TierPush | None = None) -> dict:
    """The import payload of one review task (data + one prediction per annotator + the consensus one)."""
    versions = interpretations(task)
    agreement = "n/a" if pick.agreement is None else f"{pick.agreement:.2f}"
    routed = f" Review tier {tier.name}: {tier.rule}." if tier is not None and tier.rule else ""
    info = (
        f"Source: project {source_project['id']} '{source_project['title']}', task {task['id']}. "
        f"Agreement {agreement} (threshold {threshold:.2f}). Why here: {pick.describe()}.{routed} "
        f"{len(versions)} annotator(s) answered; the labels below start blank unless they all agree"
        f"{VOTED_NOTE if transcript_controls(source_project.get('label_config')) else ''}. "
        "To start from one annotator's answer, open this task from the Data Manager, click their tab and "
        "choose Duplicate Annotation in its menu."
    )
    data = {k: v for k, v in task["data"].items() if k != KEY_FIELD}
    data[REVIEW_INFO] = info
    data[REVIEW_VERSIONS] = versions_table(versions, users)
    data[AGREEMENT_FIELD] = None if pick.agreement is None else round(pick.agreement, 3)
    data[PICKED_FOR_FIELD] = pick.describe()
    data[KEY_FIELD] = review_key(source_project["id"], task["id"])
    data[LINK_FIELD] = {
        "source_project": source_project["id"],
        "source_task": task["id"],
        "annotation_ids": [a["id"] for a in versions],
        "annotators": [annotator_email(a, users) for a in versions],
        "agreement": pick.agreement,
        "reasons": list(pick.reasons),
        "fingerprint": fingerprint(versions),
        "pushed_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if tier is not None and tier.rule:
        data[LINK_FIELD]["tier"] = tier.name
    return {"data": data, "predictions": review_predictions(versions, users, pick.agreement,
                                                            source_project.get("label_config"))}


def recorded_links(task: dict, title: str, default_title: str) -> dict | None:
    """The review task a source task's meta records for review project `title` ({"project", "task"})."""
    meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
    links = meta.get(SOURCE_META_FIELD)
    link = links.get(title) if isinstance(links, dict) else None
    if link is None and title == default_title and isinstance(meta.get(LEGACY_META_FIELD), dict):
        link = meta[LEGACY_META_FIELD]
    return link if isinstance(link, dict) else None


def find_or_create_review_project(client: LabelStudioClient, source: dict, tasks: list[dict], title: str,
                                  report_messages: list[str], tier: Tier | None = None) -> dict:
    """The review project titled `title` (its labeling config brought in line), created when missing (also used
    by `labelops autolabel` for its audit tasks); a note on what changed goes to `report_messages`."""
    config = compose_review_config(source["label_config"])
    found = client.projects_titled(title)
    if len(found) > 1:
        ids = ", ".join(str(p["id"]) for p in found)
        raise LabelopsError(f"several review projects are titled {title!r} (ids {ids}); keep one")
    if found:
        project = client.project(found[0]["id"])
        if project["label_config"] != config:
            project = client.update_project(project["id"], label_config=config)
            report_messages.append(f"review project {project['id']}: labeling config updated (the source's "
                                   "controls and the reviewer's view)")
        return project
    default = default_review_title(source["title"])
    earlier = sorted({link.get("project") for t in tasks if (link := recorded_links(t, title, default))
                      and isinstance(link.get("project"), int)})
    if earlier:
        report_messages.append(
            f"review project {title!r} (id {', '.join(map(str, earlier))}) no longer exists - it was deleted "
            "by hand; creating it again and pushing every current disagreement to it"
        )
    rule = None if tier is None else tier.when.describe()
    created = client.create_project(title=title, label_config=config, **review_project_fields(source, rule))
    # Another run (on another machine) may have created it at the same moment: all keep the lowest id.
    ids = sorted(p["id"] for p in client.projects_titled(title))
    if ids and ids[0] != created["id"]:
        client.delete_project(created["id"])  # ours is empty: nothing was pushed to it yet
        return client.project(ids[0])
    return created


def _keeper(copies: list[dict]) -> dict:
    """Which of several review tasks for one source task stays: the first reviewed one, else the lowest id."""
    reviewed = [t for t in copies if t.get("annotations") or t.get("total_annotations")]
    return min(reviewed or copies, key=lambda t: t["id"])


def _remove_duplicates(client: LabelStudioClient, review_tasks: list[dict], report: PushReport) -> dict[str, dict]:
    """key -> the one review task kept per key; unreviewed duplicates are deleted (reviewed ones reported)."""
    by_key: dict[str, list[dict]] = {}
    for task in review_tasks:
        key = (task.get("data") or {}).get(KEY_FIELD)
        if isinstance(key, str):
            by_key.setdefault(key, []).append(task)
    kept = {}
    for key, copies in by_key.items():
        keep = kept[key] = _keeper(copies)
        for extra in copies:
            if extra["id"] == keep["id"]:
                continue
            if extra.get("annotations") or extra.get("total_annotations"):
                report.messages.append(f"review tasks {keep['id']} and {extra['id']} both hold a review of source "
                                       f"task {key.rsplit(':', 1)[-1]}; the first is used, delete the other by hand")
                continue
            with contextlib.suppress(NotFoundError):  # another run removed it first
                client.delete_task(extra["id"])
            report.duplicates_removed.append(extra["id"])
    return kept


@dataclass(frozen=True)
class PushOptions:
    """How a push picks, routes and raises (see `push_reviews`)."""

    threshold: float = 0.8
    qa_fraction: float = 0.05
    seed: int = 0
    review_title: str | None = None
    batch_size: int = 20
    max_annotators: int | None = None
    tiers: tuple[Tier, ...] = ()


def push_reviews(
    client: LabelStudioClient,
    source_ref: str | int,
    scores_for: Callable[[str, list[dict]], Mapping[int, float | None]],
    *,
    threshold: float = 0.8,
    qa_fraction: float = 0.05,
    seed: int = 0,
    review_title: str | None = None,
    batch_size: int = 20,
    on_batch: Callable[[int], None] | None = None,
    lock: bool = True,
    on_wait: Callable[[Path], None] | None = None,
    max_annotators: int | None = None,
    tiers: Sequence[Tier] = (),
) -> PushReport:
    """Pick disagreements in the source project and make or refresh their review tasks.

    With `max_annotators`, a task below the threshold first gets one more annotator at a time up to that
    many (`review.overlap`); only tasks still below at the maximum go to review. With `tiers`, each picked
    task goes to the review project of the first tier whose rule it matches (`review.tiers`), else to the
    default one. Bad input (a threshold outside [0, 1], a maximum below the current overlap, a tier on the
    default review project) is one LabelopsError before anything is written.

    With `lock` (the default) the push holds the source project's review lock (`review.lock`);
    `on_wait(lock_path)` is called once if another run holds it.
    """
    options = PushOptions(threshold, qa_fraction, seed, review_title, batch_size, max_annotators, tuple(tiers))
    source = client.project(source_ref)
    if not lock:
        return _push(client, source, scores_for, options, on_batch)
    with project_lock(client.url, source["id"], on_wait=on_wait):
        return _push(client, source, scores_for, options, on_batch)


def check_push_inputs(source: dict, tasks: list[dict], options: PushOptions, default_title: str) -> None:
    """Everything a push refuses, checked before its first write (one LabelopsError)."""
    if isinstance(options.threshold, bool) or not isinstance(options.threshold, int | float) \
            or not math.isfinite(options.threshold) or not 0 <= options.threshold <= 1:
        raise LabelopsError(f"--threshold must be a number in [0, 1], got {options.threshold!r}")
    if options.max_annotators is not None:
        check_max_annotators(options.max_annotators, source, tasks)
    if options.tiers:
        check_tiers_against(options.tiers, default_title)
        problem = config_problem(options.tiers, source["label_config"])
        if problem:
            raise LabelopsError(f"project {source['id']}'s labeling config: {problem}")


def _push(client: LabelStudioClient, source: dict, scores_for: Callable[[str, list[dict]], Mapping[int, float | None]],
          options: PushOptions, on_batch: Callable[[int], None] | None) -> PushReport:
    tasks = read_project(client, source["id"])
    by_id = {t["id"]: t for t in tasks}
    scores = scores_for(source["label_config"], tasks)
    default_title = options.review_title or default_review_title(source["title"])
    check_push_inputs(source, tasks, options, default_title)

    report = PushReport({}, [])
    targets = [(DEFAULT_TIER, default_title, None), *((t.name, t.project, t) for t in options.tiers)]
    for name, title, tier in targets:
        project = find_or_create_review_project(client, source, tasks, title, report.messages, tier)
        copies = _remove_duplicates(client, read_project(client, project["id"], overlap=False), report)
        report.tiers.append(TierPush(name, project, "" if tier is None else tier.when.describe(), copies))
    report.review_project = report.tiers[0].project
    report.orphaned = sorted(i for t in report.tiers
                             for i in orphaned_review_tasks(list(t.existing.values()), source["id"], set(by_id)))

    plan = plan_overlap(tasks, scores, threshold=options.threshold, max_annotators=options.max_annotators,
                        decided=decided_sources(tasks, report.tiers))
    report.picks = select_for_review(tasks, scores, threshold=options.threshold, qa_fraction=options.qa_fraction,
                                     seed=options.seed, held=plan.held)
    _raise_overlaps(client, plan, by_id)
    if options.max_annotators is not None or plan.decisions:
        report.overlap = summarize(plan, tasks)
    report.withdrawn = _withdraw(client, report.tiers, source["id"], plan.ids(RAISE, WAITING))

    routed = {pick.task_id: route(options.tiers, task_facts(by_id[pick.task_id], pick.agreement,
                                                             source.get("model_version")))
              for pick in report.picks}
    placements = place(report.picks, routed, report.tiers, source["id"])
    users = organization_users(client)
    for tier in report.tiers:
        _fill_tier(client, source, tier, placements, by_id, users, options, report, on_batch)
    report.moved = _withdraw_copies(client, [c for _, others in placements.values() for c in others])
    for tier in report.tiers:  # each source task records its review task (repairs links a cut-off run left out)
        for pick in report.picks:
            current = tier.existing.get(review_key(source["id"], pick.task_id))
            if placements[pick.task_id][0] is tier and current is not None:
                _link_source(client, by_id[pick.task_id], tier, current["id"])
        settle_review_project(client, tier.project, source, tier.rule or None)
    return report


def _raise_overlaps(client: LabelStudioClient, plan: OverlapPlan, by_id: dict[int, dict]) -> None:
    """Ask Label Studio for one more annotator on each task the plan raises (overlap, is_labeled, meta at once)."""
    for decision in plan.to_raise:
        fields = raise_fields(by_id[decision.task_id], decision.new_overlap or decision.overlap + 1)
        client.update_task(decision.task_id, **fields)
        by_id[decision.task_id]["meta"] = fields["meta"]


def _withdraw(client: LabelStudioClient, tiers: list[TierPush], source_id: int, task_ids: list[int]) -> list[int]:
    """Remove the unreviewed review tasks of source tasks that now wait for an extra annotator."""
    keys = {review_key(source_id, i) for i in task_ids}
    return _withdraw_copies(client, [(tier, copy) for tier in tiers for key, copy in tier.existing.items()
                                     if key in keys and not is_reviewed(copy)])


def _withdraw_copies(client: LabelStudioClient, copies: list[tuple[TierPush, dict]]) -> list[int]:
    removed = []
    for tier, copy in copies:
        with contextlib.suppress(NotFoundError):  # another run removed it first
            client.delete_task(copy["id"])
        tier.existing.pop(copy["data"][KEY_FIELD], None)
        removed.append(copy["id"])
    return removed


def _fill_tier(client: LabelStudioClient, source: dict, tier: TierPush, placements: Mapping, by_id: dict[int, dict],
               users: Mapping[int, Mapping], options: PushOptions, report: PushReport,
               on_batch: Callable[[int], None] | None) -> None:
    """Create or refresh the review tasks of the picks placed in this tier."""
    to_create: list[dict] = []
    for pick in report.picks:
        if placements[pick.task_id][0] is not tier:
            continue
        tier.picks.append(pick.task_id)
        payload = build_review_task(source, by_id[pick.task_id], pick, users, options.threshold, tier)
        current = tier.existing.get(payload["data"][KEY_FIELD])
        if current is None:
            to_create.append(payload)
        elif _outdated(current, payload):
            _refresh(client, current, payload)
            tier.refreshed.append(current["id"])
        else:
            tier.unchanged.append(current["id"])
    created: dict[str, int] = {}
    for start in range(0, len(to_create), options.batch_size):
        batch = to_create[start : start + options.batch_size]
        ids = client.import_tasks(tier.project["id"], batch)
        created.update({payload["data"][KEY_FIELD]: i for payload, i in zip(batch, ids, strict=True)})
        if on_batch is not None:
            on_batch(len(batch))
    if created:
        # Check after creating: a run that overlapped ours made the same review tasks; keep one of each.
        tier.existing = _remove_duplicates(client, read_project(client, tier.project["id"], overlap=False), report)
        for key, review_task_id in created.items():
            kept = tier.existing.get(key, {}).get("id")
            if kept == review_task_id:
                tier.created.append(review_task_id)
            elif kept is not None:
                tier.unchanged.append(kept)  # the other run's copy is the one kept


def _outdated(current: dict, payload: dict) -> bool:
    """The annotations changed since the review task was made, or an older labelops made it (no table)."""
    data = current.get("data") or {}
    return ((data.get(LINK_FIELD) or {}).get("fingerprint") != payload["data"][LINK_FIELD]["fingerprint"]
            or REVIEW_VERSIONS not in data)


def _link_source(client: LabelStudioClient, task: dict, tier: TierPush, review_task_id: int) -> None:
    """Record on the source task which review task holds it in the tier's review project (others untouched).

    A routing tier's link names the tier, which is how `review pull` finds every tier's review project.
    """
    meta = dict(task.get("meta") if isinstance(task.get("meta"), dict) else {})
    links = dict(meta.get(SOURCE_META_FIELD) if isinstance(meta.get(SOURCE_META_FIELD), dict) else {})
    link = {"project": tier.project["id"], "task": review_task_id}
    if tier.rule:
        link["tier"] = tier.name
    if links.get(tier.project["title"]) == link:
        return
    links[tier.project["title"]] = link
    meta[SOURCE_META_FIELD] = links
    client.update_task(task["id"], meta=meta)
    task["meta"] = meta


def _refresh(client: LabelStudioClient, current: dict, payload: dict) -> None:
    """Replace a review task's versions; the data (with the new fingerprint) is written last."""
    for prediction in current.get("predictions") or []:
        client.delete_prediction(prediction["id"])
    for prediction in payload["predictions"]:
        client.create_prediction(current["id"], prediction["result"], prediction["score"], prediction["model_version"])
    client.update_task(current["id"], data=payload["data"])
