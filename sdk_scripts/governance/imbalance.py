"""Label imbalance and stratified splits (pure).

`imbalance(records)` gives, per control, each label's task count and share and flags minority
labels (share below the threshold, default 5%). `stratified_split(records, ratios, seed)` assigns
every exported record to a split so each label keeps its share in every split: records are grouped
by their rarest final label (multi-label tasks follow their rarest label, so rare labels are spread
first), each group is shuffled with the seed and cut by the ratios (largest remainder).
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict

from sdk_scripts.governance.snapshot import label_distribution
from sdk_scripts.review.final_labels import label_names

NO_LABEL = "(no label)"


def imbalance(records: list[dict], threshold: float = 0.05) -> dict[str, list[dict]]:
    """control -> [{"label", "count", "share", "minority"}], most frequent first."""
    labelled = [r for r in records if r.get("final")]
    out = {}
    for control, counts in label_distribution(labelled).items():
        total = max(len(labelled), 1)
        out[control] = [{"label": label, "count": n, "share": n / total, "minority": n / total < threshold}
                        for label, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return out


def parse_ratios(text: str) -> dict[str, float]:
    """'train:0.8,val:0.1,test:0.1' -> {"train": 0.8, ...}; ratios must be positive and sum to 1."""
    ratios = {}
    for part in text.split(","):
        name, _, value = part.partition(":")
        try:
            ratios[name.strip()] = float(value)
        except ValueError:
            raise ValueError(f"split {part!r} is not NAME:FRACTION") from None
    if not ratios or any(v <= 0 for v in ratios.values()) or abs(sum(ratios.values()) - 1) > 1e-6:
        raise ValueError(f"split fractions must be positive and sum to 1, got {text!r}")
    return ratios


def stratified_split(records: list[dict], ratios: dict[str, float], seed: int = 0,
                     stratify: bool = True) -> dict[str, list[dict]]:
    frequency = Counter(label for record in records for label in label_names(record.get("final") or []))

    def stratum(record: dict) -> str:
        labels = label_names(record.get("final") or [])
        return min(labels, key=lambda label: (frequency[label], label)) if labels else NO_LABEL

    groups: dict[str, list[dict]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r["task"]):
        groups[stratum(record) if stratify else "all"].append(record)
    rnd = random.Random(seed)
    splits: dict[str, list[dict]] = {name: [] for name in ratios}
    for key in sorted(groups):
        members = groups[key]
        rnd.shuffle(members)
        exact = {name: ratio * len(members) for name, ratio in ratios.items()}
        sizes = {name: int(value) for name, value in exact.items()}
        for name in sorted(exact, key=lambda n: -(exact[n] - sizes[n]))[: len(members) - sum(sizes.values())]:
            sizes[name] += 1
        start = 0
        for name in ratios:
            splits[name] += members[start : start + sizes[name]]
            start += sizes[name]
    return {name: sorted(rows, key=lambda r: r["task"]) for name, rows in splits.items()}
