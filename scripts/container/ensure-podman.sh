#!/usr/bin/env bash
# Installs what the container scripts need from the machine's Debian/Ubuntu packages when missing:
# podman, runc (crun cannot handle the hybrid cgroup layout of the CI machines), netavark and
# iptables (published ports), catatonit (podman run --init) and debootstrap (the base image).
#
# Exit status: 0 ready; 2 missing and not installable here (no apt-get, no root or sudo, or apt
# failed), which .ci/run reports as a skip; anything else is a failure.
set -uo pipefail

packages=()
for tool in podman runc debootstrap; do
  command -v "$tool" >/dev/null || packages+=("$tool")
done
[ -x /usr/lib/podman/netavark ] || command -v netavark >/dev/null || packages+=(netavark)
command -v iptables >/dev/null || packages+=(iptables)
[ -x /usr/libexec/podman/catatonit ] || command -v catatonit >/dev/null || packages+=(catatonit)

if [ "${#packages[@]}" -eq 0 ]; then
  echo "podman $(podman version --format '{{.Client.Version}}' 2>/dev/null || echo '?'), runc, debootstrap: installed"
  exit 0
fi

if ! command -v apt-get >/dev/null; then
  echo "container image: ${packages[*]} missing and no apt-get to install them" >&2
  exit 2
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! sudo -n true 2>/dev/null; then
    echo "container image: ${packages[*]} missing; installing them needs root or passwordless sudo" >&2
    exit 2
  fi
  SUDO="sudo"
fi

echo "== installing ${packages[*]} (apt)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
if ! $SUDO apt-get update >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "container image: apt-get update failed; cannot install ${packages[*]}" >&2
  exit 2
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${packages[@]}" >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "container image: apt-get install ${packages[*]} failed" >&2
  exit 2
fi
echo "podman $(podman version --format '{{.Client.Version}}' 2>/dev/null || echo '?') installed"
