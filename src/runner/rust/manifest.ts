/**
 * The learner crate's Cargo.toml, parsed with a real TOML parser (smol-toml)
 * and held to what a lab crate needs: one library of its own `src/` files,
 * no dependencies of any kind, nothing that runs or reads anything at build
 * time. Everything else is refused as one located finding. The build runs
 * inside the sandbox whatever this says (src/runner/rust/index.ts); this is
 * the early, readable refusal, and it is also what keeps the `rlimits` level
 * (no file-system isolation) from running build scripts.
 */
import { parse, TomlError } from 'smol-toml';

export interface ManifestFinding {
  message: string;
  line?: number;
  column?: number;
}

/** Manifests larger than this are refused unread (a lab's is under 1 KiB). */
export const MANIFEST_BYTES = 64 * 1024;

type Table = Record<string, unknown>;

/** [package] keys a lab crate may use (Cargo's own list minus `build`, `links`, `workspace` and the unstable ones). */
const PACKAGE_KEYS = new Set([
  'name', 'version', 'edition', 'rust-version', 'authors', 'description', 'documentation', 'readme', 'homepage',
  'repository', 'license', 'license-file', 'keywords', 'categories', 'exclude', 'include', 'publish', 'metadata',
  'default-run', 'autolib', 'autobins', 'autoexamples', 'autotests', 'autobenches', 'resolver',
]);

/** Keys of a target table ([lib], [[bin]], [[test]], ...) besides `path`, `crate-type` and `proc-macro`. */
const TARGET_KEYS = new Set(['name', 'test', 'doctest', 'bench', 'doc', 'harness', 'edition', 'required-features']);

/** Profile keys that only tune code generation (Cargo ignores a dependency's profiles anyway: the harness crate is the root). */
const PROFILE_KEYS = new Set([
  'opt-level', 'debug', 'debug-assertions', 'overflow-checks', 'lto', 'panic', 'incremental', 'codegen-units',
  'rpath', 'strip', 'split-debuginfo', 'inherits',
]);

const DEPENDENCY_TABLES = new Set(['dependencies', 'dev-dependencies', 'build-dependencies']);

/** Cargo accepts some keys with `_` for `-` (proc_macro, crate_type, dev_dependencies): compare in one spelling. */
const canon = (key: string) => key.replace(/_/g, '-');

const isTable = (value: unknown): value is Table => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

/**
 * Checks the manifest. Returns the package name, or the first thing the lab
 * does not allow, with the line it is on when the text shows it.
 */
export function checkManifest(text: string): { name: string } | { finding: ManifestFinding } {
  if (text.length > MANIFEST_BYTES) return { finding: { message: `Cargo.toml is ${text.length} bytes, over the ${MANIFEST_BYTES}-byte cap for a lab crate's manifest` } };
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      return { finding: { message: `Cargo.toml is not valid TOML: ${error.message.split('\n')[0]!.replace(/^Invalid TOML document: /, '')}`, line: error.line, column: error.column } };
    }
    return { finding: { message: `Cargo.toml could not be parsed: ${(error as Error).message.split('\n')[0]}` } };
  }
  const lines = keyLines(text);
  const at = (keyPath: string[], message: string): { finding: ManifestFinding } => {
    const line = lineOf(lines, keyPath);
    return { finding: line === undefined ? { message } : { message, line } };
  };
  const shown = (keyPath: string[]) => keyPath.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');

  for (const [key, value] of Object.entries(doc)) {
    const k = canon(key);
    if (DEPENDENCY_TABLES.has(k) || k === 'target') {
      return at([key], `Cargo.toml: [${shown([key])}] is not allowed: the lab's crate uses no dependencies of any kind (normal, dev, build or target-specific); it builds offline with the standard library only`);
    }
    if (k === 'patch' || k === 'replace') return at([key], `Cargo.toml: [${shown([key])}] is not allowed: it changes where dependencies come from, and the lab's crate has none`);
    if (k === 'workspace') return at([key], 'Cargo.toml: [workspace] is not allowed: the grader builds the crate as a dependency of its own harness crate');
    if (k === 'cargo-features') return at([key], 'Cargo.toml: cargo-features (unstable Cargo features) are not allowed: the crate builds with stable Cargo');
    if (k === 'package') continue;
    if (k === 'lib') {
      const found = checkTarget(doc[key], [key], true);
      if (found) return at(found.path, found.message);
      continue;
    }
    if (k === 'bin' || k === 'test' || k === 'example' || k === 'bench') {
      if (!Array.isArray(value)) return at([key], `Cargo.toml: [[${key}]] must be an array of tables`);
      for (const [i, target] of value.entries()) {
        const found = checkTarget(target, [key], false, i);
        if (found) return at(found.path, found.message);
      }
      continue;
    }
    if (k === 'profile') {
      const found = checkProfiles(value);
      if (found) return at(found.path, found.message);
      continue;
    }
    if (k === 'lints') {
      if (isTable(value) && 'workspace' in value) return at([key, 'workspace'], 'Cargo.toml: lints.workspace is not allowed: there is no workspace to inherit from');
      continue;
    }
    if (k === 'features' || k === 'badges') continue;
    return at([key], `Cargo.toml: the top-level key ${shown([key])} is not one a lab crate needs (allowed: [package], [lib], [features], [lints], [profile], [badges] and target tables)`);
  }

  const pkg = doc.package;
  if (!isTable(pkg)) return at(['package'], 'Cargo.toml has no [package] table');
  for (const [key, value] of Object.entries(pkg)) {
    const k = canon(key);
    if (k === 'build') return at(['package', key], `Cargo.toml: package.${shown([key])} is not allowed: a build script would run code at build time; put everything in the library's own source`);
    if (k === 'links') return at(['package', key], 'Cargo.toml: package.links is not allowed: it declares a native library, which needs a build script');
    if (k === 'workspace') return at(['package', key], 'Cargo.toml: package.workspace is not allowed: the crate belongs to no workspace');
    if (!PACKAGE_KEYS.has(k)) return at(['package', key], `Cargo.toml: package.${shown([key])} is not a key the lab's build accepts`);
    if (k !== 'metadata' && isTable(value)) {
      return at(['package', key], `Cargo.toml: package.${shown([key])} takes a plain value here (inheriting from a workspace, as in { workspace = true }, is not allowed)`);
    }
  }
  const name = pkg.name;
  if (typeof name !== 'string' || name === '') return at(['package'], 'Cargo.toml has no [package] name');
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) return at(['package', 'name'], `Cargo.toml: the package name ${JSON.stringify(name.slice(0, 80))} is not a valid crate name (letters, digits, - and _, starting with a letter)`);
  if (canon(name) === 'rubricate-harness') return at(['package', 'name'], 'Cargo.toml: the package name rubricate-harness is the grader\'s own; rename the crate');
  return { name };
}

/** A target table's first disallowed key: proc macros, crate types other than a Rust library, paths outside the crate's sources. */
function checkTarget(value: unknown, where: string[], isLib: boolean, index?: number): { path: string[]; message: string } | undefined {
  const label = index === undefined ? `[${where.join('.')}]` : `[[${where.join('.')}]] number ${index + 1}`;
  if (!isTable(value)) return { path: where, message: `Cargo.toml: ${label} must be a table` };
  for (const [key, item] of Object.entries(value)) {
    const k = canon(key);
    const keyPath = [...where, key];
    if (k === 'proc-macro' || k === 'plugin') {
      if (item === false) continue;
      return { path: keyPath, message: `Cargo.toml: ${label} ${key} is not allowed: a procedural macro runs its code inside the compiler, at build time` };
    }
    if (k === 'crate-type') {
      const types = Array.isArray(item) ? item : [item];
      const other = types.find((t) => t !== 'lib' && t !== 'rlib');
      if (other !== undefined) return { path: keyPath, message: `Cargo.toml: ${label} crate-type ${JSON.stringify(other)} is not allowed: the harness links the crate as a Rust library ("lib" or "rlib")` };
      continue;
    }
    if (k === 'path') {
      const wanted = isLib ? /^src\/(?:[A-Za-z0-9_-]+\/)*[A-Za-z0-9_-]+\.rs$/ : /^(?:[A-Za-z0-9_.-]+\/)*[A-Za-z0-9_-]+\.rs$/;
      if (typeof item !== 'string' || !wanted.test(item) || item.split('/').includes('..')) {
        return {
          path: keyPath,
          message: `Cargo.toml: ${label} path ${JSON.stringify(String(item).slice(0, 200))} is not allowed: it must name a .rs file of the crate (${isLib ? 'under src/' : 'a relative path'}, no "..")`,
        };
      }
      continue;
    }
    if (!TARGET_KEYS.has(k)) return { path: keyPath, message: `Cargo.toml: ${label} key ${JSON.stringify(key)} is not one the lab's build accepts` };
  }
  return undefined;
}

function checkProfiles(value: unknown): { path: string[]; message: string } | undefined {
  if (!isTable(value)) return { path: ['profile'], message: 'Cargo.toml: [profile] must be a table' };
  for (const [name, profile] of Object.entries(value)) {
    if (!isTable(profile)) return { path: ['profile', name], message: `Cargo.toml: [profile.${name}] must be a table` };
    for (const key of Object.keys(profile)) {
      if (!PROFILE_KEYS.has(canon(key))) {
        return { path: ['profile', name, key], message: `Cargo.toml: profile.${name}.${key} is not allowed: a lab crate's profile may only tune code generation (opt-level, debug, lto, ...)` };
      }
    }
  }
  return undefined;
}

// ------------------------------------------------------------------ where a key is written

/**
 * The first line (1-based) that writes each key path, for locating a finding:
 * table headers (`[a.b]`, `[[a]]`) and `key = ` lines, with bare, quoted and
 * dotted keys. Lines inside multi-line strings are skipped. Only for
 * messages: what is allowed is decided on the parsed document.
 */
export function keyLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  const note = (keyPath: string[], line: number) => {
    for (let i = 1; i <= keyPath.length; i++) {
      const id = keyPath.slice(0, i).join('\0');
      if (!lines.has(id)) lines.set(id, line);
    }
  };
  let table: string[] = [];
  let inString: string | undefined;
  const source = text.split(/\r?\n/);
  for (const [index, raw] of source.entries()) {
    const lineNo = index + 1;
    if (inString) {
      if (raw.includes(inString)) inString = undefined;
      continue;
    }
    const header = /^\s*\[\[?\s*(.*?)\s*\]\]?\s*(?:#.*)?$/.exec(raw);
    if (header && !/^\s*\[[^\]]*=/.test(raw)) {
      const keyPath = splitKey(header[1]!);
      if (keyPath) {
        table = keyPath;
        note(table, lineNo);
      }
      continue;
    }
    const assignment = /^\s*((?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*'))*)\s*=(.*)$/.exec(raw);
    if (!assignment) continue;
    const keyPath = splitKey(assignment[1]!);
    if (keyPath) note([...table, ...keyPath], lineNo);
    const rest = assignment[2]!;
    for (const quote of ['"""', "'''"]) {
      const count = rest.split(quote).length - 1;
      if (count % 2 === 1) inString = quote;
    }
  }
  return lines;
}

/** A dotted TOML key's parts (`a."b.c".'d'` → a, b.c, d), or undefined when it is not one. */
function splitKey(key: string): string[] | undefined {
  const parts: string[] = [];
  const part = /\s*(?:([A-Za-z0-9_-]+)|"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(\.|$)/y;
  let at = 0;
  while (at < key.length) {
    part.lastIndex = at;
    const m = part.exec(key);
    if (!m) return undefined;
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(unescapeBasic(m[2]));
    else parts.push(m[3]!);
    at = part.lastIndex;
    if (m[4] === '') break;
  }
  return parts.length > 0 ? parts : undefined;
}

function unescapeBasic(body: string): string {
  try {
    return JSON.parse(`"${body.replace(/\\U([0-9A-Fa-f]{8})/g, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)).replace(/[\\"]/g, '\\$&'))}"`) as string;
  } catch {
    return body;
  }
}

/** The line of the longest prefix of `keyPath` the text writes. */
function lineOf(lines: Map<string, number>, keyPath: string[]): number | undefined {
  for (let i = keyPath.length; i > 0; i--) {
    const line = lines.get(keyPath.slice(0, i).join('\0'));
    if (line !== undefined) return line;
  }
  return undefined;
}
