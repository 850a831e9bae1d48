"""`make compose-smoke`: start the production compose stack on Docker and check the active-learning loop end to end.

Phases: a Docker daemon (the running one, else one started here with its data under the user's cache dir), local
stand-ins for the official images, our backend image, `up` until every health check passes, a small
text-classification project made with the host's `labelops` CLI, the backend connected by the `setup` service, an
annotator's annotations, the training run they trigger (the project's model_version moves to the new version), then
`down -v`. Everything runs under its own compose project name and a throwaway env file (`.env.example` with fresh
secrets, basic auth on): a user's `.env` and stack are never touched. Exit 0 = the stack works; otherwise the
failing phase is named, with the containers' log tails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from deploy.compose_smoke import dockerd, scenario, standins
from deploy.compose_smoke.phases import PhaseFailed, Timeline
from deploy.compose_smoke.stack import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    REPO,
    Stack,
    env_example_values,
    smoke_settings,
    write_env_file,
)
from sdk_scripts.devserver.ports import free_port

LONG_RUNNING = ["postgres", "label-studio", "ml-backend"]
# whose logs explain a failure in each phase (the rest: every service)
RELEVANT = {"project": ["label-studio"], "connect backend": ["setup", "label-studio", "ml-backend"],
            "annotate": ["label-studio"], "training": ["ml-backend", "label-studio"]}
TRAIN_MIN_ANNOTATIONS = 6
ANNOTATOR = "annotator@smoke.labelops.internal"

# The client's environment: nothing of the caller's that compose would interpolate (LABEL_STUDIO_*...).
_PASSED_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "XDG_CACHE_HOME", "DOCKER_HOST", "DOCKER_CONFIG", "DOCKER_CERT_PATH",
               "DOCKER_TLS_VERIFY", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


def client_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key in _PASSED_ENV}
    # the classic builder: BuildKit's `# syntax=` line would fetch its frontend from Docker Hub
    env.update(DOCKER_BUILDKIT="0", COMPOSE_DOCKER_CLI_BUILD="0")
    return env


def backend_url() -> str:
    """The backend's URL as the compose file gives it to the setup service (what Label Studio calls)."""
    return standins.load_compose(COMPOSE_FILE)["services"]["setup"]["environment"]["LABELOPS_BACKEND_URL"]


def al_status(stack: Stack, uid: str) -> dict:
    """The backend's /al/status for a project, asked from inside its container (its port is not published)."""
    code = ("import base64, os, sys, urllib.request as u; r = u.Request('http://127.0.0.1:9090/al/status?project='"
            " + sys.argv[1]); user = os.environ.get('BASIC_AUTH_USER'); user and r.add_header('Authorization', "
            "'Basic ' + base64.b64encode((user + ':' + os.environ['BASIC_AUTH_PASS']).encode()).decode()); "
            "print(u.urlopen(r, timeout=30).read().decode())")
    return json.loads(stack.compose("exec", "-T", "ml-backend", "python", "-c", code, uid))


def run_smoke(args: argparse.Namespace, timeline: Timeline, work: Path, state: dict) -> None:
    log = work / "smoke.log"
    with timeline.phase("docker daemon"):
        daemon = state["daemon"] = dockerd.connect(client_env())
        where = f"started dockerd, data in {dockerd.cache_root()}" if daemon.started_here else "the running daemon"
        print(f"   {where}")
    with timeline.phase("stand-in images"):
        images = standins.stand_ins(standins.load_compose(COMPOSE_FILE), (REPO / "ml_backend/Dockerfile").read_text())
        built = standins.ensure_stand_ins(daemon.env, images, log, say=lambda line: print(line, flush=True))
        print(f"   {len(built)} built, {len(images) + 1 - len(built)} already present")
    port = free_port()
    settings = smoke_settings(env_example_values(ENV_EXAMPLE.read_text()), port, TRAIN_MIN_ANNOTATIONS)
    env_file = write_env_file(work / "smoke.env", settings)
    stack = Stack(f"labelops-smoke-{os.getpid()}", env_file, daemon.env, log)
    with timeline.phase("backend image"):
        stack.build("ml-backend")
    if args.build_only:
        return
    url, token = f"http://127.0.0.1:{port}", settings["LABEL_STUDIO_USER_TOKEN"]
    with timeline.phase("stack up"):
        state["stack"] = stack
        stack.compose("up", "--detach", tail_lines=3)  # its last lines say which service failed
        stack.wait_ready(LONG_RUNNING, ["setup"], timeout=args.ready_timeout)
    with timeline.phase("project"):
        project_id = scenario.create_project(url, token, work, log)
        print(f"   project {project_id}: {len(scenario.smoke_texts())} tasks")
    admin = scenario.admin_client(url, token)
    backend = backend_url()
    with timeline.phase("connect backend"):
        write_env_file(env_file, {**settings, "LABELOPS_PROJECTS": str(project_id)})
        stack.compose("run", "--rm", "setup")
        hook = scenario.backend_webhook(admin, project_id, backend)
        if hook is None:
            raise RuntimeError(f"Label Studio has no {backend}/webhook webhook on project {project_id}: annotations "
                               "would never reach the backend")
        print(f"   webhook {hook['id']}: {hook['url']}")
    with timeline.phase("annotate"):
        annotator_token = scenario.sign_up_annotator(url, token, ANNOTATOR)
        annotator = scenario.admin_client(url, annotator_token)
        me = annotator.whoami()
        made = scenario.annotate(annotator, project_id, TRAIN_MIN_ANNOTATIONS)
        if {a.get("completed_by") for a in made} != {me["id"]}:
            raise RuntimeError(f"annotations not credited to the annotator {me['id']}: {made}")
        print(f"   {len(made)} annotations by {me['email']} (user {me['id']}, its own token)")
    with timeline.phase("restart"):
        # personal access tokens are signed with Label Studio's SECRET_KEY (from .env): a restart keeps them
        stack.compose("restart", "label-studio")
        stack.wait_ready(["label-studio"], [], timeout=args.ready_timeout)
        if scenario.admin_client(url, annotator_token).whoami()["id"] != me["id"]:
            raise RuntimeError("after a restart the annotator's personal access token names another user")
        print("   Label Studio restarted; the annotator's personal access token still works")
    with timeline.phase("training"):
        uid = scenario.uid(admin, project_id)
        version, status = scenario.wait_for_trained_version(admin, project_id, lambda: al_status(stack, uid),
                                                            timeout=args.train_timeout)
        webhooks = stack.logs("ml-backend", lines=5000).count('"POST /webhook HTTP/1.1" 20')
        trained = [h for h in status["history"] if h.get("event") == "trained"]
        if webhooks < len(made) or not trained:
            raise RuntimeError(f"project on {version}, but the backend logged {webhooks} accepted webhook call(s) "
                               f"for {len(made)} annotations and {len(trained)} training run(s)")
        last = trained[-1]
        print(f"   {webhooks} webhook calls accepted by the backend, {len(trained)} training run(s), the last on "
              f"{last.get('annotated_tasks')} annotated tasks in {last.get('seconds')} s; project {project_id} "
              f"now on {version}")


def tear_down(timeline: Timeline, state: dict) -> None:
    """`down -v` of the smoke stack, then the daemon stopped if this run started it; each step runs whatever failed."""
    if "stack" in state:
        try:
            with timeline.phase("down"):
                state["stack"].down()
        except PhaseFailed as exc:
            print(f"compose-smoke: warning: {exc}", file=sys.stderr)
    daemon = state.get("daemon")
    if daemon is not None and daemon.started_here:
        # our own data root: drop the untagged leftovers of earlier backend builds (the layers in use stay)
        subprocess.run(["docker", "image", "prune", "--force"], env=daemon.env, capture_output=True)
        daemon.stop()
        print(f"stopped the dockerd started here; put back: {', '.join(daemon.notes) or 'nothing changed'}")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.compose_smoke", description=__doc__.splitlines()[0])
    parser.add_argument("--build-only", action="store_true", help="stop after building the images")
    parser.add_argument("--ready-timeout", type=float, default=600, help="seconds for every health check to pass")
    parser.add_argument("--train-timeout", type=float, default=180,
                        help="seconds for the training run to finish (it takes seconds)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    timeline, state = Timeline(), {}
    work = Path(tempfile.mkdtemp(prefix="labelops-compose-smoke-"))
    failed = True
    try:
        run_smoke(args, timeline, work, state)
        failed = False
        print("compose-smoke: OK")
    except PhaseFailed as exc:
        print(f"compose-smoke: FAILED in phase '{exc.phase}': {exc}", file=sys.stderr)
        if "stack" in state:
            services = RELEVANT.get(exc.phase, [*LONG_RUNNING, "setup"])
            print(f"container logs (last lines, health probes left out):\n{state['stack'].log_tails(services)}",
                  file=sys.stderr)
    except KeyboardInterrupt:
        print("compose-smoke: interrupted", file=sys.stderr)
    finally:
        tear_down(timeline, state)
        (work / "smoke.env").unlink(missing_ok=True)
        if failed:
            print(f"compose-smoke: commands and their output: {work / 'smoke.log'}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
        print(f"elapsed:\n{timeline.summary()}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
