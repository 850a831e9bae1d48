#!/usr/bin/env bash
# Install what `make compose-smoke` needs when missing: Docker (Debian's docker.io), iptables, debootstrap and
# Compose v2 (Debian trixie's docker-compose .deb: bookworm's is v1 and rejects docker-compose.yml).
set -euo pipefail

sudo_cmd=""
[ "$(id -u)" = 0 ] || sudo_cmd="sudo"

# The first Debian mirror in the machine's apt sources (one-line or deb822 format).
debian_mirror() {
    local url
    url=$(grep -rhoE 'https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
        | head -n1 | tr -d ' ')
    echo "${url:-http://deb.debian.org/debian}"
}

has_compose_v2() {
    docker compose version --short 2>/dev/null | grep -qE '^v?2\.' \
        || docker-compose version --short 2>/dev/null | grep -qE '^v?2\.'
}

missing=""
command -v dockerd >/dev/null 2>&1 || missing="$missing docker.io"
command -v iptables >/dev/null 2>&1 || missing="$missing iptables"
command -v debootstrap >/dev/null 2>&1 || missing="$missing debootstrap"
if [ -n "$missing" ]; then
    echo "compose-deps: installing Debian packages:$missing"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if ! has_compose_v2; then
    echo "compose-deps: installing Compose v2 (Debian trixie's docker-compose package)"
    work=$(mktemp -d)
    chmod 755 "$work"  # apt's _apt user downloads into it
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/lists/partial"
    echo "deb $(debian_mirror) trixie main" >"$work/trixie.list"
    apt_opts=(-o "Dir::Etc::SourceList=$work/trixie.list" -o "Dir::Etc::SourceParts=/dev/null"
              -o "Dir::State::Lists=$work/lists" -o "APT::Get::List-Cleanup=0")
    apt-get "${apt_opts[@]}" update -qq
    (cd "$work" && apt-get "${apt_opts[@]}" download docker-compose >/dev/null)
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "$work"/docker-compose_*.deb >/dev/null
    has_compose_v2 || { echo "compose-deps: Compose v2 still not found after installing it" >&2; exit 1; }
fi
echo "compose-deps: docker $(docker version --format '{{.Client.Version}}' 2>/dev/null), compose $(docker compose version --short 2>/dev/null || docker-compose version --short)"
