"""`labelops lf apply / analyze / predict`: labeling functions over a project, their analysis, the label model's
predictions (parsing and printing)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sdk_scripts.cli import arg_types as types
from sdk_scripts.cli.common import Shared

LFS_HELP = ("the labeling functions: a Python module of @labeling_function(control=...) functions (from "
            "sdk_scripts.weak) or YAML rules")
MATRIX_HELP = "the label matrix `lf apply` wrote (default: labelops-lf/project-<id>)"
APPLY_HELP = "run labeling functions over every task into a label matrix on disk"
APPLY_DESCRIPTION = (
    "Every task of the project goes through every function (in parallel across cores, streamed page by page). "
    "A function that raises on a task is reported with the task id and counted as an abstain; a function returning "
    "a label the control does not have stops the run with one error naming the function and the label. The matrix "
    "(one row per task, one column per function; matrix.npz and matrix.json) records the hash of the functions' "
    "file: `lf analyze` and `lf predict` refuse a matrix of other functions.")
ANALYZE_HELP = "per function: coverage, overlaps, conflicts, accuracy and a confusion matrix (Snorkel's LFAnalysis)"
ANALYZE_DESCRIPTION = (
    "Snorkel's LFAnalysis figures (polarity, coverage, overlaps, conflicts, correct, incorrect, emp. acc.) and a "
    "confusion matrix per function. Accuracy is measured on the tasks that have a label: their ground truth, else "
    "the consensus of their annotators.")
PREDICT_HELP = "store the label model's labels as predictions (model_version lf-<hash>, score = its probability)"
PREDICT_DESCRIPTION = (
    "Fit the label model to the matrix (--method; auto: the most accurate on the labelled tasks) and store its "
    "label for every task a function covers as a prediction of model_version lf-<hash of the functions>, with "
    "the label's probability as score; the project's model_version becomes it, so Uncertainty sampling serves the "
    "least certain tasks first. Rerunning with the same functions replaces the predictions instead of adding more.")
METHODS = ("auto", "majority", "dawid-skene", "mace", "glad")


def cmd_lf_apply(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.weak.project import apply_to_project
    from sdk_scripts.weak.render import raised_lines

    done = apply_to_project(label_studio(args), args.project, args.lfs, args.out, processes=args.processes,
                            progress=sys.stderr.isatty())
    for line in raised_lines(done.raised):
        print(f"labelops: {line}", file=sys.stderr)
    matrix = done.matrix
    covered = int((matrix.codes >= 0).any(axis=1).sum())
    errors = sum(matrix.errors.values())
    print(f"project {matrix.project}: {len(matrix.functions)} labeling functions ({matrix.model_version}) over "
          f"{matrix.n_tasks} tasks, {covered} covered by at least one; {errors} error{'s' * (errors != 1)} "
          f"(raised, counted as abstains); label matrix in {done.directory}")
    return 0


def cmd_lf_analyze(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.weak.project import analyze_project
    from sdk_scripts.weak.render import render_analysis

    loaded, analysis = analyze_project(label_studio(args), args.project, args.lfs, args.matrix)
    if args.json:
        print(json.dumps({"project": loaded.project["id"], "model_version": loaded.matrix.model_version,
                          "ground_truth": loaded.labels.ground_truth, "consensus": loaded.labels.consensus,
                          **analysis.to_json()}, indent=2))
    else:
        print(render_analysis(analysis, f"{loaded.matrix.model_version}, {loaded.labels.describe()}"))
    return 0


def cmd_lf_predict(args: argparse.Namespace) -> int:
    from sdk_scripts.cli.context import label_studio
    from sdk_scripts.weak.project import predict_project
    from sdk_scripts.weak.render import model_lines

    done = predict_project(label_studio(args), args.project, args.lfs, args.matrix, method=args.method,
                           set_project_version=not args.keep_model_version)
    plan = done.plan
    if args.json:
        print(json.dumps({"model_version": done.model_version, "model": done.model.to_json(),
                          "created": len(plan.create), "deleted": len(plan.delete), "unchanged": plan.unchanged,
                          "uncovered": plan.uncovered, "gone": plan.gone,
                          "project_model_version": done.project_version_set, "notes": done.notes}, indent=2))
        return 0
    print("\n".join(model_lines(done.model)))
    print(f"predictions of {done.model_version}: {len(plan.create)} written, {plan.unchanged} unchanged, "
          f"{len(plan.delete)} replaced or removed; {plan.uncovered} tasks no function covers have none")
    if done.project_version_set:
        print(f"the project's model_version is {done.model_version}: Uncertainty sampling serves its least "
              "certain tasks first")
    return 0


def register(commands: argparse._SubParsersAction, shared: Shared) -> None:
    lf = shared.group(commands, "lf", "labeling functions: apply, analyze, predict with a label model",
                      "Weak supervision: labeling functions (Python or YAML rules) run over a project into a label "
                      "matrix, analysed like Snorkel's LFAnalysis, combined by a label model into predictions.")
    apply = shared.command(lf, "apply", cmd_lf_apply, APPLY_HELP, APPLY_DESCRIPTION, parents=[shared.project])
    apply.add_argument("--lfs", type=Path, required=True, metavar="FILE", help=LFS_HELP)
    apply.add_argument("--out", type=types.output_dir, metavar="DIR",
                       help="where to write the label matrix (default: labelops-lf/project-<id>)")
    apply.add_argument("--processes", type=types.positive_int, metavar="N",
                       help="worker processes (default: one per core, fewer for a small project; 1: in this process)")
    analyze = shared.command(lf, "analyze", cmd_lf_analyze, ANALYZE_HELP, ANALYZE_DESCRIPTION,
                             parents=[shared.project, shared.json])
    predict = shared.command(lf, "predict", cmd_lf_predict, PREDICT_HELP, PREDICT_DESCRIPTION,
                             parents=[shared.project, shared.json])
    for parser in (analyze, predict):
        parser.add_argument("--lfs", type=Path, required=True, metavar="FILE", help=LFS_HELP)
        parser.add_argument("--matrix", type=Path, metavar="DIR", help=MATRIX_HELP)
    predict.add_argument("--method", choices=METHODS, default="auto",
                         help="the label model (default auto: the most accurate on the labelled tasks, else "
                         "dawid-skene)")
    predict.add_argument("--keep-model-version", action="store_true",
                         help="leave the project's model_version as it is (Uncertainty sampling then ignores these)")
