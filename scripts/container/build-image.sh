#!/usr/bin/env bash
# The image: everything is prepared on the host, then `podman build --network=none` only copies it
# onto the base (scripts/container/build-base.sh) and sets the user, the environment and the
# healthcheck (Containerfile).
#
#   1. Node: the npm registry's node-linux-<arch> package of KLARNA_LOCAL_NODE_VERSION (default: the
#      version of the Node running this script, which built and tested dist/), cached.
#   2. The production dependencies: `npm ci --omit=dev` in a staging folder, run BY that Node, with
#      better-sqlite3 for that Node: the checkout's build when it loads there, else compiled with
#      node-gyp pointed at its headers (npm_config_nodedir); cached per lockfile and Node version.
#   3. The app: `npm run build` (skipped with KLARNA_LOCAL_SKIP_BUILD=1, e.g. right after a build),
#      dist/ without declarations and source maps, package.json.
#   4. podman build --network=none --pull=never --format docker (HEALTHCHECK and STOPSIGNAL are
#      Docker-format settings; OCI images drop them).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
# shellcheck source=podman-env.sh
. scripts/container/podman-env.sh
started=$SECONDS

case "$(uname -m)" in
  x86_64) NODE_ARCH=x64 ;;
  aarch64) NODE_ARCH=arm64 ;;
  *) echo "build-image: unsupported architecture $(uname -m)" >&2; exit 1 ;;
esac
NODE_VERSION="${KLARNA_LOCAL_NODE_VERSION:-$(node -p 'process.versions.node')}"
NODE_PACKAGE="node-linux-$NODE_ARCH"
NODE_DIR="$KLARNA_LOCAL_CONTAINER_CACHE/$NODE_PACKAGE-$NODE_VERSION"

# 1. Node from the npm registry (npm checks the tarball against the registry's integrity hash).
if [ ! -x "$NODE_DIR/bin/node" ]; then
  echo "== node: npm pack $NODE_PACKAGE@$NODE_VERSION"
  download="$(mktemp -d)"
  (cd "$download" && npm pack "$NODE_PACKAGE@$NODE_VERSION" --silent >/dev/null)
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  tar -xzf "$download"/*.tgz -C "$NODE_DIR.tmp" --strip-components=1
  rm -rf "$download" "$NODE_DIR" && mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
[ "$("$NODE_DIR/bin/node" -p 'process.versions.node')" = "$NODE_VERSION" ] || {
  echo "build-image: $NODE_DIR/bin/node is not Node $NODE_VERSION" >&2
  exit 1
}
echo "== node: $NODE_PACKAGE $NODE_VERSION ($NODE_DIR)"

# 2. Production node_modules for the image's Node. Installed without scripts, then the native
#    addon: the checkout's own build of better-sqlite3 when it is the same version and loads in the
#    image's Node (same Node version: same ABI and headers; no compiler run), else compiled by that
#    Node against its headers (npm rebuild --build-from-source, about two minutes). Either way it
#    must load in the image's Node. Other production packages with install scripts are rebuilt too.
NPM_CLI="$(readlink -f "$(command -v npm)")"
LOCK_KEY="$(sha256sum <package-lock.json | cut -c1-16)"
DEPS="$KLARNA_LOCAL_CONTAINER_CACHE/deps-$NODE_VERSION-$LOCK_KEY"
image_node() { PATH="$NODE_DIR/bin:$PATH" npm_config_nodedir="$NODE_DIR" "$NODE_DIR/bin/node" "$@"; }
if [ ! -f "$DEPS/.done" ]; then
  echo "== dependencies: npm ci --omit=dev for Node $NODE_VERSION"
  rm -rf "$DEPS" && mkdir -p "$DEPS"
  cp package.json package-lock.json "$DEPS/"
  (
    cd "$DEPS"
    image_node "$NPM_CLI" ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error
    mapfile -t scripted < <(node -e '
      const lock = require("./package-lock.json");
      for (const [key, entry] of Object.entries(lock.packages))
        if (key && entry.hasInstallScript && !entry.dev && !entry.optional) console.log(key.replace(/^.*node_modules\//, ""));')
    addon=build/Release/better_sqlite3.node
    loads='const D = require("better-sqlite3"); new D(":memory:").prepare("select 1").get()'
    wanted="$(node -p 'require("./node_modules/better-sqlite3/package.json").version')"
    checkout="$(node -p 'try { require(process.argv[1] + "/node_modules/better-sqlite3/package.json").version } catch { "" }' "$ROOT")"
    if [ "$wanted" = "$checkout" ] && [ -f "$ROOT/node_modules/better-sqlite3/$addon" ]; then
      mkdir -p node_modules/better-sqlite3/build/Release
      cp "$ROOT/node_modules/better-sqlite3/$addon" "node_modules/better-sqlite3/$addon"
      if image_node -e "$loads" 2>/dev/null; then
        echo "== dependencies: better-sqlite3 $wanted: the checkout's build loads in Node $NODE_VERSION, reused"
        mapfile -t scripted < <(printf '%s\n' "${scripted[@]}" | grep -vx -e better-sqlite3 -e '' || true)
      else
        rm -rf node_modules/better-sqlite3/build
      fi
    fi
    if [ "${#scripted[@]}" -gt 0 ]; then
      echo "== dependencies: npm rebuild ${scripted[*]} --build-from-source with Node $NODE_VERSION"
      image_node "$NPM_CLI" rebuild "${scripted[@]}" --build-from-source --loglevel=error
    fi
    # The compiler's leftovers and the SQLite sources; the addon itself stays.
    rm -rf node_modules/better-sqlite3/build/Release/obj node_modules/better-sqlite3/build/Release/obj.target \
      node_modules/better-sqlite3/build/Release/.deps node_modules/better-sqlite3/build/Release/test_extension.node \
      node_modules/better-sqlite3/build/Release/sqlite3.a node_modules/better-sqlite3/build/deps \
      node_modules/better-sqlite3/deps node_modules/better-sqlite3/src
    # What no process reads at run time: source maps, type declarations, Markdown (about 18 MB).
    find node_modules -type f \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.md' \) -delete
    image_node -e "$loads"
  )
  touch "$DEPS/.done"
fi
echo "== dependencies: $DEPS ($(du -sm "$DEPS/node_modules" | cut -f1) MB)"

# 3. The app.
if [ -z "${KLARNA_LOCAL_SKIP_BUILD:-}" ]; then
  echo "== npm run build"
  npm run --silent build
fi
for required in dist/src/cli.js dist/migrations dist/web/kp/api.js; do
  [ -e "$required" ] || { echo "build-image: $required missing: run npm run build" >&2; exit 1; }
done

CONTEXT="$KLARNA_LOCAL_CONTAINER_CACHE/context"
rm -rf "$CONTEXT" && mkdir -p "$CONTEXT/app"
cp "$NODE_DIR/bin/node" "$CONTEXT/node"
cp -a package.json "$CONTEXT/app/"
mkdir -p "$CONTEXT/app/dist"
cp -a dist/src dist/migrations dist/web "$CONTEXT/app/dist/"
find "$CONTEXT/app/dist" \( -name '*.d.ts' -o -name '*.map' \) -delete
cp -a "$DEPS/node_modules" "$CONTEXT/app/node_modules"
cp "$NODE_DIR/LICENSE" "$CONTEXT/app/NODE-LICENSE" 2>/dev/null || true

# 4. The image, without network.
VERSION="$(node -p "require('./package.json').version")"
REVISION="$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
previous="$(podman image inspect --format '{{.Id}}' "$KLARNA_LOCAL_IMAGE" 2>/dev/null || true)"
echo "== podman build --network=none -> $KLARNA_LOCAL_IMAGE (FROM $KLARNA_LOCAL_BASE_IMAGE)"
podman build --network=none --pull=never --format docker --quiet "${KLARNA_LOCAL_BUILD_ULIMITS[@]}" \
  --file "$ROOT/Containerfile" \
  --build-arg BASE_IMAGE="$KLARNA_LOCAL_BASE_IMAGE" \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.revision="$REVISION" \
  --label io.klarna-local.node-version="$NODE_VERSION" \
  --tag "$KLARNA_LOCAL_IMAGE" \
  "$CONTEXT" >/dev/null
rm -rf "$CONTEXT"
# The image this build replaced, unless a container still uses it.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$KLARNA_LOCAL_IMAGE")" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
echo "== image: $KLARNA_LOCAL_IMAGE, $(podman image inspect --format '{{.Size}}' "$KLARNA_LOCAL_IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'), built in $((SECONDS - started)) s"
