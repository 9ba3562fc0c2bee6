/**
 * JavaScript/TypeScript learners: the same sandbox and protocol as Python
 * (docs/runner-protocol.md), with `node_harness.mjs` as the harness. TypeScript
 * is transpiled in the grader (the `typescript` package, syntax only: no type
 * check, no tsconfig, no import is followed, nothing of the learner runs) from
 * the submission image the sandbox gets (`readSubmissionImage`: no link out of
 * the submission, no special file), and the JavaScript runs in the sandbox
 * under Node's permission model.
 */
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Location } from '../../core/types.js';
import { definitionsOf, typescriptFacts } from '../../input/code-facts.js';
import { harnessDir, readSubmissionImage, unreadReason, type SubmissionImage } from '../sandbox.js';
import { ConfigError } from '../../core/errors.js';
import { openHarnessSession } from '../session.js';
import type { LearnerSession, RunFailure, SessionOptions } from '../types.js';

const TS_EXT = /\.(ts|mts|cts)$/;

/** Where a transpiled file goes: rope.ts → rope.js, rope.mts → rope.mjs. */
export function jsPathOf(file: string): string {
  return file.replace(/\.ts$/, '.js').replace(/\.mts$/, '.mjs').replace(/\.cts$/, '.cjs');
}

export function isNodeModule(file: string): boolean {
  return /\.(ts|mts|cts|js|mjs|cjs)$/.test(file) && !file.endsWith('.d.ts');
}

type TS = typeof import('typescript');
let tsModule: Promise<TS> | undefined;
function loadTypescript(): Promise<TS> {
  tsModule ??= import('typescript').then((m) => ((m as { default?: TS }).default ?? m) as TS);
  return tsModule;
}

/** Transpiles one TypeScript source; a syntax error becomes a located import failure. */
export async function transpile(source: string, file: string): Promise<{ js: string } | { failure: RunFailure }> {
  const ts = await loadTypescript();
  const out = ts.transpileModule(source, {
    fileName: path.basename(file),
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      inlineSourceMap: true,
      inlineSources: false,
    },
  });
  const error = (out.diagnostics ?? []).find((d) => d.category === ts.DiagnosticCategory.Error);
  if (error) {
    const text = ts.flattenDiagnosticMessageText(error.messageText, '\n');
    const failure: RunFailure = { kind: 'import-error', message: `syntax error in ${file}: ${text}` };
    if (error.file && error.start !== undefined) {
      const { line, character } = error.file.getLineAndCharacterOfPosition(error.start);
      failure.location = { file, line: line + 1, column: character + 1 };
      failure.message = `syntax error in ${file} at line ${line + 1}, column ${character + 1}: ${text} (TS${error.code})`;
    } else {
      failure.location = { file };
    }
    return { failure };
  }
  return { js: out.outputText };
}

/** The TypeScript files of the image to transpile (not declarations, nothing under a dot folder). */
function tsSources(image: SubmissionImage): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  for (const file of image.files) {
    const parts = file.path.split('/');
    const name = parts.pop()!;
    if (!TS_EXT.test(name) || name.endsWith('.d.ts') || parts.some((part) => part.startsWith('.'))) continue;
    found.set(file.path, file.data);
  }
  return found;
}

/**
 * The import failure of a source the TypeScript compiler itself gave up on
 * (it recurses: a few hundred kilobytes of nested brackets overflow its
 * stack): the learner's file, not the machine, so it is not retried.
 */
function untranspilable(file: string, error: unknown): RunFailure {
  const reason = error instanceof RangeError ? 'nested too deeply for the TypeScript compiler' : error instanceof Error ? error.message.split('\n')[0] : String(error);
  return { kind: 'import-error', message: `${file} could not be transpiled (${reason})`, location: { file } };
}

/** A session whose module never imported: every call fails with the same finding. */
function deadSession(failure: RunFailure): LearnerSession {
  return {
    isolation: { level: 'none', description: 'not started: the learner module did not compile' },
    importFailure: failure,
    call: async () => ({ ok: false, failure, durationMs: 0 }),
    output: () => ({ stdout: '', stderr: '', truncated: false }),
    close: async () => undefined,
  };
}

/**
 * Opens a sandboxed Node session for `options.module` (a .ts/.mts/.js/.mjs
 * file). Every TypeScript file of the submission is transpiled first; the
 * module's first syntax error makes `importFailure`, and no process starts.
 */
export async function openNodeSession(options: SessionOptions): Promise<LearnerSession> {
  // Read once: what is transpiled and what the sandbox gets are the same files.
  const image = existsSync(options.root) ? readSubmissionImage(options.root, options.listing) : undefined;
  const sources = image ? tsSources(image) : new Map<string, Buffer>();
  const compiled = new Map<string, string>();
  const wanted = options.module.split(path.sep).join('/');
  const unread = image && !image.files.some((f) => f.path === wanted) ? unreadReason(options.root, image, wanted) : undefined;
  if (unread !== undefined) {
    return deadSession({ kind: 'import-error', message: `${wanted} was not read: ${unread}; the module must be a regular file of the submission`, location: { file: wanted } });
  }
  let definitions: Record<string, Location> | undefined;
  for (const rel of [wanted, ...[...sources.keys()].filter((s) => s !== wanted)]) {
    const source = sources.get(rel);
    if (!TS_EXT.test(rel) || source === undefined) continue;
    const text = source.toString('utf8');
    const result = await transpile(text, rel).catch((error: unknown) => ({ failure: untranspilable(rel, error) }));
    // Where the module's functions are, for findings of checks that get wrong values (the JavaScript harness does not say).
    if (rel === wanted && !('failure' in result)) definitions = definitionsOf(await typescriptFacts(rel, text, []));
    if ('failure' in result) return deadSession(result.failure);
    compiled.set(rel, result.js);
  }
  const node = realpathSync(process.execPath);
  const prefix = path.dirname(path.dirname(node));
  const prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
  const harness = harnessDir();
  const memory = options.limits?.memoryBytes ?? 1024 * 1024 * 1024;
  // V8 reserves address space far beyond what it uses: the address-space limit is at least 2 GiB.
  const addressSpace = Math.max(memory, 2 * 1024 ** 3);
  if (!prlimit) throw new ConfigError('prlimit (util-linux) is not installed: Node learner code cannot be given its CPU, file-size and memory limits');
  const nodeArgs = (config: Record<string, unknown>): string[] => {
    const root = String(config.root);
    const scratch = String(config.scratch);
    const lim = (config.limits ?? {}) as Record<string, number>;
    const runModule = TS_EXT.test(wanted) ? jsPathOf(wanted) : wanted;
    const args = [
      '--experimental-permission',
      `--allow-fs-read=${root}/*`,
      `--allow-fs-read=${harness}/*`,
      `--allow-fs-write=${scratch}/*`,
      '--disable-warning=ExperimentalWarning',
      '--enable-source-maps',
      `--max-old-space-size=${Math.max(64, Math.floor(memory / 1048576 / 2))}`,
      path.join(harness, 'node_harness.mjs'),
      JSON.stringify({ ...config, runModule }),
    ];
    return [`--cpu=${lim.cpuSeconds ?? 60}:${(lim.cpuSeconds ?? 60) + 1}`, `--fsize=${lim.fileSizeBytes ?? 16777216}`, '--core=0', `--as=${addressSpace}`, '--', node, ...args];
  };
  return openHarnessSession(options, {
    ...(definitions ? { definitions } : {}),
    interpreter: prlimit,
    processMemoryBytes: addressSpace,
    prefixes: [prefix],
    harness,
    args: nodeArgs,
    ...(image ? { image } : {}),
    prepare: async (scratch) => {
      for (const [rel, js] of compiled) {
        const target = path.join(scratch.work, jsPathOf(rel));
        if (!existsSync(target)) await fs.writeFile(target, js);
      }
      // The scratch copy's package.json says ESM, so transpiled .js files load as modules.
      const pkgPath = path.join(scratch.work, 'package.json');
      let pkg: Record<string, unknown> = {};
      try {
        pkg = JSON.parse(await fs.readFile(pkgPath, 'utf8')) as Record<string, unknown>;
      } catch {
        pkg = {};
      }
      await fs.writeFile(pkgPath, JSON.stringify({ ...pkg, type: 'module' }));
    },
  });
}
