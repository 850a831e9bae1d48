#!/bin/sh
# One-shot setup of the compose stack: register the ML backend with every Label Studio project named in
# LABELOPS_PROJECTS (comma list of project ids or exact titles) via `labelops backend connect`, which is
# idempotent (a rerun changes nothing). Exits non-zero when any project failed.
#   LABEL_STUDIO_URL, LABEL_STUDIO_API_KEY  where Label Studio is and its token (read by labelops)
#   LABELOPS_BACKEND_URL                    the backend as Label Studio reaches it; its host needs a dot
#                                           (http://ml-backend.labelops.internal:9090): Label Studio refuses
#                                           webhook URLs whose host has none
#   LABELOPS_PREDICT_ON_LOAD                true: also turn on "retrieve predictions when a task loads"
set -eu
set -f  # no globbing of project titles

backend="${LABELOPS_BACKEND_URL:-http://ml-backend.labelops.internal:9090}"
projects="${LABELOPS_PROJECTS:-}"

case "$(printf '%s' "${LABELOPS_PREDICT_ON_LOAD:-false}" | tr '[:upper:]' '[:lower:]')" in
    1 | true | yes | on) predict_on_load=1 ;;
    *) predict_on_load=0 ;;
esac

if [ -z "$(printf '%s' "$projects" | tr -d ' ,')" ]; then
    echo "labelops setup: LABELOPS_PROJECTS is empty, no project to connect to $backend."
    echo "labelops setup: set it in .env and run: docker compose run --rm setup"
    exit 0
fi

failed=""
old_ifs=$IFS
IFS=','
for raw in $projects; do
    IFS=$old_ifs
    project=$(printf '%s' "$raw" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//')
    [ -n "$project" ] || continue
    echo "labelops setup: connecting $backend to project '$project'"
    if [ "$predict_on_load" = 1 ]; then
        labelops backend connect "$project" "$backend" --predict-on-load || failed="$failed '$project'"
    else
        labelops backend connect "$project" "$backend" || failed="$failed '$project'"
    fi
done
IFS=$old_ifs

if [ -n "$failed" ]; then
    echo "labelops setup: FAILED for project(s):$failed" >&2
    exit 1
fi
echo "labelops setup: done"
