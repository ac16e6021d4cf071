#!/usr/bin/env bash
# npm run test:container: podman (installed from apt when missing), the base image (cached), the
# image, then scripts/container/test-container.mjs against it. Not part of npm test.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$SECONDS
bash scripts/container/ensure-podman.sh
# shellcheck source=podman-env.sh
. scripts/container/podman-env.sh
echo "== podman: CONTAINERS_CONF=$CONTAINERS_CONF"
bash scripts/container/build-base.sh
bash scripts/container/build-image.sh
KLARNA_LOCAL_SUDO="$KLARNA_LOCAL_SUDO" node scripts/container/test-container.mjs
echo "== container image: passed in $((SECONDS - started)) s (podman, base, image and test)"
