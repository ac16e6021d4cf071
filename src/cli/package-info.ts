/**
 * klarna-local's own package.json, read at run time: `klarna-local --version` and `doctor` (the
 * engines range). It is found from this module's location, the same whether it runs as
 * dist/src/cli/package-info.js (an installed package, `npm start`) or src/cli/package-info.ts under
 * tsx: the nearest folder above it whose package.json is named klarna-local.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

export const PACKAGE_NAME = 'klarna-local';

export interface PackageInfo {
  /** The folder that holds the package.json. */
  root: string;
  name: string;
  version: string;
  /** `engines.node`, e.g. `>=20`; undefined when the package names none. */
  nodeRange: string | undefined;
}

/** The nearest package.json named klarna-local at or above `from`, read; null when there is none. */
export function findPackage(from: string = path.dirname(fileURLToPath(import.meta.url))): PackageInfo | null {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        const json = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown; engines?: { node?: unknown } };
        if (json.name === PACKAGE_NAME) {
          return {
            root: dir,
            name: PACKAGE_NAME,
            version: typeof json.version === 'string' ? json.version : '0.0.0',
            nodeRange: typeof json.engines?.node === 'string' ? json.engines.node : undefined,
          };
        }
      } catch {
        // Not readable or not JSON: not ours; keep looking above.
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

let cached: PackageInfo | null | undefined;

/** klarna-local's package.json (read once). */
export function packageInfo(): PackageInfo {
  cached ??= findPackage();
  if (!cached) throw new Error(`cannot find the package.json of ${PACKAGE_NAME} above ${path.dirname(fileURLToPath(import.meta.url))}`);
  return cached;
}

/** `klarna-local --version` / `-V`: the version of the package.json this CLI belongs to. */
export function registerVersion(program: Command): void {
  let version = 'unknown';
  try {
    version = packageInfo().version;
  } catch {
    // An unpacked copy without its package.json still runs; it says it does not know its version.
  }
  program.version(version, '-V, --version', "print klarna-local's version and exit");
}

// ---------------------------------------------------------------------------------------------
// Node's version against a package's `engines.node` (enough of npm's range syntax for engines:
// comparators `>=`, `>`, `<=`, `<`, `=`, `^`, `~`, x-ranges, `a - b` and `||`).

type Version = [number, number, number];

function parseVersion(text: string): { version: Version; given: number } | null {
  const match = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:[-+].*)?$/.exec(text.trim());
  if (!match) return null;
  const parts = [match[1], match[2], match[3]];
  let given = 0;
  const numbers: number[] = [];
  for (const part of parts) {
    if (part === undefined || /^[xX*]$/.test(part)) break;
    numbers.push(Number(part));
    given += 1;
  }
  return { version: [numbers[0] ?? 0, numbers[1] ?? 0, numbers[2] ?? 0], given };
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** The version just above a partial one (`20` → `21.0.0`, `20.1` → `20.2.0`). */
function bumpAt(version: Version, given: number): Version {
  if (given <= 1) return [version[0] + 1, 0, 0];
  if (given === 2) return [version[0], version[1] + 1, 0];
  return [version[0], version[1], version[2] + 1];
}

function satisfiesComparator(node: Version, comparator: string): boolean | null {
  const match = /^(>=|<=|>|<|=|\^|~)?\s*(.+)$/.exec(comparator);
  if (!match?.[2]) return null;
  const operator = match[1] ?? '';
  const parsed = parseVersion(match[2]);
  if (!parsed) return null;
  const { version, given } = parsed;
  if (given === 0) return true; // `*`, `x`
  switch (operator) {
    case '>=':
      return compare(node, version) >= 0;
    case '>':
      return given < 3 ? compare(node, bumpAt(version, given)) >= 0 : compare(node, version) > 0;
    case '<=':
      return given < 3 ? compare(node, bumpAt(version, given)) < 0 : compare(node, version) <= 0;
    case '<':
      return compare(node, version) < 0;
    case '^': {
      const upper: Version = version[0] > 0 || given < 2 ? [version[0] + 1, 0, 0] : version[1] > 0 || given < 3 ? [0, version[1] + 1, 0] : [0, 0, version[2] + 1];
      return compare(node, version) >= 0 && compare(node, upper) < 0;
    }
    case '~':
      return compare(node, version) >= 0 && compare(node, given === 1 ? [version[0] + 1, 0, 0] : [version[0], version[1] + 1, 0]) < 0;
    default:
      // `20`, `20.x`, `=20.1.0`: that version, or every version it leaves open.
      return given === 3 ? compare(node, version) === 0 : compare(node, version) >= 0 && compare(node, bumpAt(version, given)) < 0;
  }
}

/** Whether `nodeVersion` (e.g. `v20.19.0`) is in `range`; null when the range cannot be read. */
export function satisfiesRange(nodeVersion: string, range: string): boolean | null {
  const node = parseVersion(nodeVersion)?.version;
  if (!node) return null;
  let readable = true;
  const result = range.split('||').some((alternative) => {
    const trimmed = alternative.trim();
    if (trimmed === '') return true;
    const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(trimmed);
    const comparators = hyphen ? [`>=${hyphen[1]}`, `<=${hyphen[2]}`] : trimmed.replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1').split(/\s+/);
    return comparators.every((comparator) => {
      const ok = satisfiesComparator(node, comparator);
      if (ok === null) readable = false;
      return ok === true;
    });
  });
  return readable || result ? result : null;
}
