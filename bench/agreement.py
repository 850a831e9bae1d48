"""Agreement benchmark: `make bench` (or `python bench/agreement.py [--quick] [--only NAME,...]`).

On the command path -- `labelops agreement DIR --json`, the whole process (start-up, reading the pull,
scoring, writing JSON), timed from outside with its peak resident memory from wait4 -- on pull
directories generated here with a fixed seed, each beside the `krippendorff` package (or NLTK) doing the
same coefficient on the same data in this process:

- nominal:  1,000,000 single-choice annotations (333,334 tasks x 3, 5 labels), every report section incl.
            Dawid-Skene consensus; target <= 15 s wall and <= 2 GB;
- number:   alpha interval of a Number control, 100,000 tasks x 3 measured values; target <= 30 s, <= 2 GB;
- multi:    MASI alpha of a 10-label multiple-choice control, 100,000 tasks x 3; target <= 30 s, <= 2 GB;
- boxes:    100,000 tasks x 3 annotators x 10 boxes; target <= 60 s;
- kernels:  the vectorised cores alone (counts, alpha, Fleiss, every per-task score; NLTK's alpha).

The `krippendorff` package builds an N x V x V array: where that does not fit, the bench prints what it
would allocate and runs it on the largest prefix of the tasks that fits in 1 GiB, beside ours on the same
prefix. `--quick` runs a tenth of every size.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sdk_scripts.agreement import alpha as kernels  # noqa: E402
from sdk_scripts.agreement.measures import (  # noqa: E402
    counts_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    masi_distance,
    percent_agreement,
    unit_agreement,
)

SEED = 20261123
GIB = 2**30
BASELINE_BYTES = GIB  # the largest N x V x V array the baseline is given
TAGS = [f"t{i}" for i in range(10)]
LABELS = ["a", "b", "c", "d", "e"]
STAMP = "2026-11-16T09:00:00.000000Z"


# -- generated pull directories --------------------------------------------------------------------

def write_pull(root: Path, config: str, lines) -> Path:
    root.mkdir(parents=True)
    (root / "project.json").write_text(json.dumps({"format": 1, "project": {"id": 1, "title": "bench"}}))
    (root / "label_config.xml").write_text(config)
    with (root / "tasks.jsonl").open("w") as fh:
        for task in lines:
            fh.write(json.dumps(task, separators=(",", ":")) + "\n")
    return root


def annotation(task: int, rater: int, result: list[dict]) -> dict:
    """An annotation as Label Studio exports it (the fields a pull keeps)."""
    return {"id": task * 3 + rater, "completed_by": rater + 1, "result": result, "was_cancelled": False,
            "ground_truth": False, "created_at": STAMP, "updated_at": STAMP, "lead_time": 4.2, "task": task + 1}


def nominal_values(rng, n_tasks: int, agree: float = 0.7) -> np.ndarray:
    """Each task has a true label; each annotator gives it with probability `agree`, else a random one."""
    truth = rng.integers(0, len(LABELS), n_tasks)
    return np.where(rng.random((n_tasks, 3)) < agree, truth[:, None], rng.integers(0, len(LABELS), (n_tasks, 3)))


def nominal_pull(root: Path, n_tasks: int) -> tuple[Path, np.ndarray]:
    values = nominal_values(np.random.default_rng(SEED), n_tasks)
    config = ('<View><Text name="text" value="$text"/><Choices name="answer" toName="text">'
              + "".join(f'<Choice value="{v}"/>' for v in LABELS) + "</Choices></View>")

    def tasks():
        for t in range(n_tasks):
            yield {"id": t + 1, "data": {"text": f"item {t}"}, "annotations": [annotation(t, r, [
                {"id": f"r{t}-{r}", "from_name": "answer", "to_name": "text", "type": "choices", "origin": "manual",
                 "value": {"choices": [LABELS[values[t, r]]]}}]) for r in range(3)]}

    return write_pull(root, config, tasks()), values


def number_pull(root: Path, n_tasks: int) -> tuple[Path, np.ndarray]:
    rng = np.random.default_rng(SEED + 1)
    truth = rng.uniform(10, 500, n_tasks)
    values = np.round(truth[:, None] * rng.normal(1, 0.05, (n_tasks, 3)), 3)  # measured: ~3N distinct values
    config = '<View><Text name="text" value="$text"/><Number name="amount" toName="text"/></View>'

    def tasks():
        for t in range(n_tasks):
            yield {"id": t + 1, "data": {"text": f"item {t}"}, "annotations": [annotation(t, r, [
                {"id": f"r{t}-{r}", "from_name": "amount", "to_name": "text", "type": "number",
                 "value": {"number": float(values[t, r])}}]) for r in range(3)]}

    return write_pull(root, config, tasks()), values


def multi_pull(root: Path, n_tasks: int) -> tuple[Path, list[list[frozenset]]]:
    rng = np.random.default_rng(SEED + 2)
    base = rng.random((n_tasks, len(TAGS))) < 0.25
    flips = rng.random((n_tasks, 3, len(TAGS))) < 0.08
    chosen = base[:, None, :] ^ flips
    sets = [[frozenset(np.array(TAGS)[chosen[t, r]].tolist()) for r in range(3)] for t in range(n_tasks)]
    config = ('<View><Text name="text" value="$text"/><Choices name="tags" toName="text" choice="multiple">'
              + "".join(f'<Choice value="{t}"/>' for t in TAGS) + "</Choices></View>")

    def tasks():
        for t in range(n_tasks):
            yield {"id": t + 1, "data": {"text": f"item {t}"}, "annotations": [annotation(t, r, [
                {"id": f"r{t}-{r}", "from_name": "tags", "to_name": "text", "type": "choices",
                 "value": {"choices": sorted(sets[t][r])}}]) for r in range(3)]}

    return write_pull(root, config, tasks()), sets


def box_pull(root: Path, n_tasks: int, n_boxes: int = 10) -> Path:
    """Three annotators per task draw the same 10 objects with some jitter and 5% wrong labels."""
    rng = np.random.default_rng(SEED + 3)
    config = ('<View><Image name="image" value="$image"/><RectangleLabels name="label" toName="image">'
              '<Label value="car"/><Label value="person"/><Label value="bike"/></RectangleLabels></View>')
    names = ["car", "person", "bike"]

    def tasks():
        for t in range(n_tasks):
            base = np.concatenate([rng.uniform(0, 80, (n_boxes, 2)), rng.uniform(5, 20, (n_boxes, 2))], 1)
            labels = rng.integers(0, 3, n_boxes)
            annotations = []
            for r in range(3):
                box = np.round(base + rng.normal(0, 1.0, base.shape), 3)
                label = np.where(rng.random(n_boxes) < 0.05, (labels + 1) % 3, labels)
                annotations.append(annotation(t, r, [
                    {"id": f"r{t}-{r}-{k}", "from_name": "label", "to_name": "image", "type": "rectanglelabels",
                     "original_width": 1280, "original_height": 720, "image_rotation": 0,
                     "value": {"x": box[k, 0], "y": box[k, 1], "width": box[k, 2], "height": box[k, 3],
                               "rotation": 0, "rectanglelabels": [names[label[k]]]}} for k in range(n_boxes)]))
            yield {"id": t + 1, "data": {"image": f"/data/upload/1/{t}.jpg"}, "annotations": annotations}

    return write_pull(root, config, tasks())


# -- measuring -------------------------------------------------------------------------------------

def labelops_command() -> list[str]:
    script = Path(sys.executable).parent / "labelops"
    return [str(script)] if script.exists() else [sys.executable, "-m", "sdk_scripts.cli"]


def measure(command: list[str], stdout, env: dict | None = None) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak memory in GiB, worker processes) of a command run to its end.

    The peak is the command's own (GNU time `-f %M`, which forks it from its own small process: a child forked
    straight from this large process would report this process's size) plus the peak of each worker it forks
    (a large pull is read in two processes; their /proc/PID/status VmHWM polled): an upper bound of what they
    hold at once. CPU seconds include the workers'. Without GNU time the command's VmHWM is polled too."""
    gnu_time = Path("/usr/bin/time")
    with tempfile.NamedTemporaryFile("r", suffix=".time") as timing:
        if gnu_time.exists():
            command = [str(gnu_time), "-q", "-f", "%U %S %M", "-o", timing.name, *command]
        start = time.perf_counter()
        polled, workers = 0, {}
        process = subprocess.Popen(command, stdout=stdout, stderr=subprocess.PIPE, env=env,
                                   cwd=Path(__file__).resolve().parent.parent)
        while process.poll() is None:
            main = _children(process.pid) if gnu_time.exists() else [process.pid]
            if not gnu_time.exists():
                polled = max(polled, _vm_hwm_kib(process.pid))
            for pid in (w for m in main for w in _children(m)):
                workers[pid] = max(workers.get(pid, 0), _vm_hwm_kib(pid))
            time.sleep(0.05)
        wall = time.perf_counter() - start
        if process.returncode:
            raise SystemExit(f"{' '.join(command[-4:])} failed ({process.returncode}): "
                             f"{process.stderr.read().decode()[-2000:]}")
        cpu, peak_kib = float("nan"), polled
        if gnu_time.exists():
            user, system, peak = timing.read().split()[-3:]
            cpu, peak_kib = float(user) + float(system), int(peak)
    return wall, cpu, (peak_kib + sum(workers.values())) * 1024 / GIB, len(workers)


def run_command(pull: Path, out: Path) -> tuple[float, float, dict]:
    """(wall seconds, peak memory in GiB, the report) of `labelops agreement PULL --json`, the whole process
    (`measure`); its CPU seconds and processes are printed by `verdict` (on a shared machine CPU seconds say more
    than the wall time)."""
    with out.open("w") as fh:
        wall, cpu, peak, workers = measure([*labelops_command(), "agreement", str(pull), "--json"], fh)
    CPU_SECONDS[out.stem], WORKERS[out.stem] = cpu, workers
    with out.open() as fh:
        return wall, peak, json.load(fh)


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc/*/stat)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _vm_hwm_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


WORKERS: dict[str, int] = {}
CPU_SECONDS: dict[str, float] = {}


READ_EXTRACT = ("import gc, sys; gc.disable(); from pathlib import Path; from sdk_scripts.pull import open_pull; "
                "from sdk_scripts.agreement.controls import read_controls; "
                "from sdk_scripts.agreement.parallel import extract_pull; "
                "meta, config, path = open_pull(Path(sys.argv[1])); "
                "extract_pull(read_controls(config).specs, path, [], min_bytes=int(sys.argv[2]))")
WHOLE = ("import gc, sys; gc.disable(); from sdk_scripts.pull import read_pull; "
         "from pathlib import Path; read_pull(Path(sys.argv[1]))")


def read_only(pull: Path, script: str = READ_EXTRACT, processes: int = 2) -> tuple[float, float]:
    """(wall seconds, peak GiB) of a process that only reads the pull: a task at a time, checked and extracted,
    in two processes as the command does or in one (`READ_EXTRACT`), or whole into memory and no more (`WHOLE`:
    read_pull, how the command read it before)."""
    min_bytes = "1" if processes == 2 else str(2**62)
    wall, _, peak, _ = measure([sys.executable, "-c", script, str(pull), min_bytes], subprocess.DEVNULL,
                               env={**os.environ, "LABELOPS_MAX_TASK_FILE_MB": "4096"})  # read_pull: whole file
    return wall, peak


SUMMARY: list[str] = []  # one line per target of issue 17, printed again at the end


def verdict(name: str, wall: float, target_s: float, peak: float | None = None, target_gb: float | None = None,
            what: str = "") -> str:
    ok = wall <= target_s and (peak is None or peak <= target_gb)
    cpu = f", {CPU_SECONDS[name]:.1f} s CPU" if name in CPU_SECONDS else ""
    cpu += f", {WORKERS[name] + 1} processes" if WORKERS.get(name) else ""
    parts = [f"{wall:.1f} s wall (target <= {target_s:g} s{cpu}; load average {os.getloadavg()[0]:.1f})"]
    if peak is not None:
        parts.append(f"peak {peak:.2f} GB (target <= {target_gb:g} GB)")
    text = ", ".join(parts) + (" -- met" if ok else " -- NOT met")
    SUMMARY.append(f"{'met    ' if ok else 'NOT met'}  {what or name}: {text}")
    return text


def baseline(line: str) -> None:
    """The side-by-side baseline of the target recorded last."""
    SUMMARY[-1] += f"\n           beside it: {line}"


def timed(fn, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def counts_of(codes: np.ndarray, n_values: int) -> np.ndarray:
    """Tasks x values counts from a tasks x raters array of value codes."""
    n_tasks, raters = codes.shape
    return counts_matrix(np.repeat(np.arange(n_tasks), raters), codes.ravel(), n_tasks, n_values)


def package_alpha(counts: np.ndarray, level, domain=None) -> float:
    import krippendorff

    pairable = counts[counts.sum(axis=1) >= 2]
    used = pairable.sum(axis=0) > 0
    return float(krippendorff.alpha(value_counts=pairable[:, used], level_of_measurement=level,
                                    value_domain=None if domain is None else np.asarray(domain)[used]))


def fitting_prefix(n_units: int, distinct_per_unit: float, cap: int | None = None) -> int:
    """The most tasks whose N x V x V float64 array fits BASELINE_BYTES (V growing with the tasks)."""
    n = n_units
    while n > 10 and n * (min(cap or 10**18, distinct_per_unit * n) ** 2) * 8 > BASELINE_BYTES:
        n = int(n * 0.8)
    return n


# -- the sections ----------------------------------------------------------------------------------

def package_version() -> str:
    from importlib.metadata import version

    return version("krippendorff")


def bench_nominal(tmp: Path, n_tasks: int) -> None:
    pull, values = nominal_pull(tmp / "nominal", n_tasks)
    wall, peak, report = run_command(pull, tmp / "nominal.json")
    ours = report["controls"][0]["measures"]["alpha_nominal"]
    counts = counts_of(values, len(LABELS))
    seconds, reference = timed(lambda: package_alpha(counts, "nominal"))
    what = f"{3 * n_tasks:,} nominal annotations, every section incl. Dawid-Skene"
    print(f"nominal: `labelops agreement DIR --json`, {3 * n_tasks:,} annotations ({n_tasks:,} tasks x 3), every "
          f"section incl. Dawid-Skene: {verdict('nominal', wall, 15, peak, 2, what)}")
    line = f"krippendorff {package_version()} on the same counts: alpha {reference:.6f} (ours {ours:.6f}), its alpha " \
           f"alone {seconds:.2f} s"
    print(f"   {line}")
    baseline(line)
    two_wall, two_peak = read_only(pull)
    one_wall, one_peak = read_only(pull, processes=1)
    whole_wall, whole_peak = read_only(pull, WHOLE)
    print(f"   of which reading the pull a task at a time with the strict JSON checks, and extracting the ratings: "
          f"{two_wall:.1f} s wall, peak {two_peak:.2f} GB in two processes (what the command does), {one_wall:.1f} s, "
          f"{one_peak:.2f} GB in one; reading alone, the whole pull into memory (read_pull, how the command read it "
          f"before): {whole_wall:.1f} s, peak {whole_peak:.2f} GB")


def bench_number(tmp: Path, n_tasks: int) -> None:
    pull, values = number_pull(tmp / "number", n_tasks)
    wall, peak, report = run_command(pull, tmp / "number.json")
    measures = report["controls"][0]["measures"]
    distinct = len(np.unique(values))
    print(f"number: alpha of a Number control, {n_tasks:,} tasks x 3 measured values ({distinct:,} distinct), whole "
          f"command: {verdict('number', wall, 30, peak, 2, f'Number alpha interval, {n_tasks:,} tasks x 3')}")
    ratio = _fmt(measures["alpha_ratio"]) if measures["alpha_ratio"] is not None else \
        "; ".join(n.split(": ", 1)[1] for n in report["notes"] if "alpha_ratio" in n)
    print(f"   alpha interval {measures['alpha_interval']:.6f}, ordinal {measures['alpha_ordinal']:.6f}, ratio {ratio}")
    need = n_tasks * distinct * distinct * 8
    prefix = fitting_prefix(n_tasks, 3)
    sub = values[:prefix]
    domain, codes = np.unique(sub, return_inverse=True)
    counts = counts_of(codes.reshape(sub.shape), len(domain))
    seconds, reference = timed(lambda: package_alpha(counts, "interval", domain))
    unit = np.repeat(np.arange(prefix), 3)
    ours_s, ours = timed(lambda: kernels.interval_alpha(unit, sub.ravel()))
    line = f"krippendorff package: N x V x V = {need / GIB:,.0f} GiB for these data (not run); on the first " \
           f"{prefix:,} tasks: {seconds:.2f} s, alpha {reference:.9f} vs ours {ours:.9f} in {ours_s * 1000:.1f} ms"
    print(f"   {line}")
    baseline(line)


def bench_multi(tmp: Path, n_tasks: int) -> None:
    import krippendorff

    pull, sets = multi_pull(tmp / "multi", n_tasks)
    wall, peak, report = run_command(pull, tmp / "multi.json")
    measures = report["controls"][0]["measures"]
    distinct = len({s for row in sets for s in row})
    what = f"MASI alpha, 10 labels, {n_tasks:,} tasks x 3"
    print(f"multi: MASI alpha of a 10-label multiple choice, {n_tasks:,} tasks x 3 ({distinct:,} distinct label "
          f"sets), whole command: {verdict('multi', wall, 30, peak, 2, what)}")
    print(f"   alpha MASI {measures['alpha_masi']:.6f}, Jaccard {measures['alpha_jaccard']:.6f}")
    need = n_tasks * distinct * distinct * 8
    prefix = fitting_prefix(n_tasks, 3, cap=distinct)
    index: dict = {}
    codes = np.array([[index.setdefault(s, len(index)) for s in row] for row in sets[:prefix]])
    keys = sorted(index, key=index.get)
    matrix = np.array([[masi_distance(a, b) for b in keys] for a in keys])
    counts = counts_of(codes, len(keys))

    def metric(v1, v2, i1, i2, n_v, dtype=np.float64):
        return matrix[v1.astype(int), v2.astype(int)].astype(dtype)

    pairable = counts[counts.sum(axis=1) >= 2]
    seconds, reference = timed(lambda: float(krippendorff.alpha(value_counts=pairable, value_domain=np.arange(
        len(keys)), level_of_measurement=metric)))
    unit = np.repeat(np.arange(prefix), 3)
    ours_s, ours = timed(lambda: kernels.distance_alpha(unit, codes.ravel(), kernels.set_distance(
        kernels.label_bitmasks(keys, TAGS), "masi"), n_codes=len(keys)))
    line = f"krippendorff package: N x V x V = {need / GIB:,.0f} GiB for these data (not run); on the first " \
           f"{prefix:,} tasks: {seconds:.2f} s, alpha {reference:.9f} vs ours {ours:.9f} in {ours_s * 1000:.1f} ms"
    print(f"   {line}")
    baseline(line)


def bench_boxes(tmp: Path, n_tasks: int) -> None:
    pull = box_pull(tmp / "boxes", n_tasks)
    wall, peak, report = run_command(pull, tmp / "boxes.json")
    measures = report["controls"][0]["measures"]
    what = f"{n_tasks:,} tasks x 3 annotators x 10 boxes"
    print(f"boxes: {what}, whole command: {verdict('boxes', wall, 60, what=what)}, peak {peak:.2f} GB")
    print(f"   mean pairwise F1 {measures['mean_pairwise_f1']:.6f}, alpha over matched boxes "
          f"{_fmt(measures['alpha_matched_units'])}")
    # No package computes box agreement; the baseline is the definition done pair by pair (scipy's Hungarian
    # assignment per annotator pair, `geometry.box_f1`), which is how the command scored boxes before.
    from sdk_scripts.agreement.coded import score_pairs
    from sdk_scripts.agreement.controls import read_controls
    from sdk_scripts.agreement.extract import extract, group_by_task
    from sdk_scripts.agreement.geometry import box_f1
    from sdk_scripts.agreement.kinds.registry import code_ratings
    from sdk_scripts.agreement.measures import mean_pairwise
    from sdk_scripts.pull import open_pull, stream_tasks

    prefix = max(n_tasks // 20, 10)
    _, config, path = open_pull(pull)
    tasks = [task for _, task in zip(range(prefix), stream_tasks(path), strict=False)]
    table = extract(read_controls(config).specs, tasks).ratings[0]
    seconds, per_task = timed(lambda: [mean_pairwise(list(v.values()), box_f1) for v in group_by_task(table).values()])
    coded = code_ratings(table)
    ours_s, _ = timed(lambda: score_pairs(coded, 2, 0.5).task_scores())
    sub = pull.parent / "boxes-prefix"
    write_pull(sub, config, tasks)
    _, _, sub_report = run_command(sub, tmp / "boxes-prefix.json")
    ours = sub_report["controls"][0]["measures"]["mean_pairwise_f1"]
    line = f"the pair-by-pair definition (scipy Hungarian per annotator pair) on the first {prefix:,} tasks: " \
           f"{seconds:.2f} s for the F1 alone vs {ours_s:.2f} s for the command's vectorised F1 (coded.score_pairs) " \
           f"on the same tasks; mean F1 {np.mean(per_task):.12f} vs the command's {ours:.12f}"
    print(f"   {line}")
    baseline(line)


def bench_kernels(n_tasks: int) -> None:
    from nltk.metrics.agreement import AnnotationTask

    values = nominal_values(np.random.default_rng(SEED), n_tasks)

    def core():
        counts = counts_of(values, len(LABELS))
        return krippendorff_alpha(counts, "nominal"), fleiss_kappa(counts), percent_agreement(counts), \
            unit_agreement(counts)

    seconds, (value, fleiss, percent, _) = timed(core, repeat=3)
    print(f"kernels: {values.size:,} nominal annotations in memory, counts + alpha + Fleiss + percent + every "
          f"per-task score: {seconds:.3f} s; alpha {value:.4f}, Fleiss {fleiss:.4f}, percent {percent:.4f}")
    subset = values[: max(n_tasks // 7, 10)]
    triples = [(str(r), str(t), str(v)) for t, row in enumerate(subset) for r, v in enumerate(row)]
    ours_s, ours = timed(lambda: krippendorff_alpha(counts_of(subset, len(LABELS)), "nominal"), repeat=3)
    nltk_s, reference = timed(lambda: AnnotationTask(data=triples).alpha())
    print(f"   alpha vs NLTK {__import__('nltk').__version__} AnnotationTask.alpha, {subset.size:,} annotations: "
          f"NLTK {nltk_s:.3f} s, ours {ours_s * 1000:.1f} ms ({nltk_s / ours_s:,.0f}x); alpha {reference:.6f} vs "
          f"{ours:.6f}")


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.6f}"


SECTIONS = ("nominal", "number", "multi", "boxes", "kernels")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every size (a smoke run)")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {', '.join(SECTIONS)}")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {platform.machine()}, {cores} cores available, Python {platform.python_version()}, "
          f"numpy {np.__version__}; sizes / {scale}")
    tmp = Path(tempfile.mkdtemp(prefix="labelops-bench-"))
    try:
        if "nominal" in chosen:
            bench_nominal(tmp, 333_334 // scale)
        if "number" in chosen:
            bench_number(tmp, 100_000 // scale)
        if "multi" in chosen:
            bench_multi(tmp, 100_000 // scale)
        if "boxes" in chosen:
            bench_boxes(tmp, 100_000 // scale)
        if "kernels" in chosen:
            bench_kernels(333_334 // scale)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this benchmark process (generating data, baselines): {peak_mb:,.0f} MB")
    if SUMMARY:
        print(f"\ntargets of issue 17 ({time.strftime('%Y-%m-%d')}, {platform.machine()}, {cores} cores, "
              f"sizes / {scale}):")
        for line in SUMMARY:
            print(f"  {line}")


if __name__ == "__main__":
    main()
