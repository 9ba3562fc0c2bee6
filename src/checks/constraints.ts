/**
 * Check kind `constraints`: the lab's rules about the code itself, checked on
 * the learner's files as parsed code, never by matching text.
 *
 * - `forbiddenImports`: modules the code must not import, by any route
 *   (`import torch`, `import torch.nn as nn`, `from torch import x`,
 *   `__import__('torch')`, `importlib.import_module('torch')`, `exec('import
 *   torch')`; `import`, `require()`, `import()` in JavaScript). A rule names a
 *   module and everything under it (`torch` covers `torch.nn`; in JavaScript
 *   `@tensorflow` covers `@tensorflow/tfjs`).
 * - `forbiddenCalls`: functions the code must not use, resolved through its
 *   aliases (`np.einsum`, `numpy.einsum`, `from numpy import einsum as e`,
 *   `f = np.einsum`, `getattr(np, 'einsum')`). A bare name (`einsum`) matches
 *   that function of any module; a dotted one (`numpy.einsum`) only that.
 * - `functions`: functions the module must define, with the parameters the lab
 *   calls them with: enough positional parameters, no extra ones without a
 *   default, the ones passed by keyword (`base=`) present by name, and a
 *   default where the lab may leave an argument out. Other names may differ
 *   (they are passed by position): that is a note, not a failure.
 *
 * Python files are parsed by Python's `ast` inside the sandbox (the
 * `static_facts` task); TypeScript and JavaScript by the TypeScript parser in
 * the grader. Every finding is located at file:line:column. A file that does
 * not parse fails the check at its syntax error.
 *
 * Example (rubric YAML):
 *   kind: constraints
 *   options:
 *     files: ["**\/*.py"]
 *     forbiddenImports: [{ module: torch, reason: "No PyTorch" }]
 *     forbiddenCalls: [{ name: einsum, reason: "No fancy einsums" }]
 */
import type { CheckOutcome, Detail, Location } from '../core/types.js';
import { typescriptFacts, type FileFacts, type FunctionFact, type ParamFact } from '../input/code-facts.js';
import { pythonFacts } from '../runner/tasks.js';
import type { CheckContext, CheckKind } from './kind.js';

interface Rule {
  reason?: string;
}

export interface ParamSpec {
  name: string;
  /** The lab passes it by keyword (`base=`): the name must match. */
  keyword?: boolean;
  /** The lab may leave it out: it needs a default. */
  optional?: boolean;
}

export interface FunctionSpec {
  name: string;
  params: ParamSpec[];
}

export interface ConstraintsOptions {
  /** Which files the import and call rules apply to (globs, relative to the submission). */
  files: string[];
  /** Where the required functions live: the first of these that exists. */
  module: string[];
  forbiddenImports: Array<Rule & { module: string }>;
  forbiddenCalls: Array<Rule & { name: string }>;
  functions: FunctionSpec[];
}

const PYTHON = /\.py$/;
const SCRIPT = /\.(ts|mts|cts|tsx|js|mjs|cjs|jsx)$/;
/** Files larger than this are not parsed (a finding says so). */
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 200;

/** A glob (`**` any folders, `*` and `?` within one name) as a regular expression on forward-slash paths. */
export function globRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      out += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

function pattern(name: string, via: 'python' | 'script'): (module: string) => boolean {
  const sep = via === 'python' ? '.' : '/';
  return (module) => module === name || module.startsWith(name + sep) || (via === 'script' && name.startsWith('@') && !name.includes('/') && module.startsWith(name + '/'));
}

/** How an import was made, when not by an import statement. */
const ROUTES: Record<string, string> = {
  __import__: '__import__()',
  importlib: 'importlib.import_module()',
  exec: 'code given to exec()',
  require: 'require()',
  'dynamic-import': 'import()',
  'export-from': 'export ... from',
};

function lastPart(name: string): string {
  return name.split('.').pop() ?? name;
}

function at(file: string, p: { line: number; column: number }): Location {
  return { file, line: p.line, column: p.column };
}

function where(loc: Location): string {
  return `${loc.file}${loc.line ? `:${loc.line}${loc.column ? `:${loc.column}` : ''}` : ''}`;
}

/** Facts of every file the rules look at (memoised per submission and file set). */
async function factsFor(ctx: CheckContext, paths: string[], names: string[]): Promise<{ ok: true; facts: FileFacts[]; unread: Detail[] } | { ok: false; outcome: CheckOutcome }> {
  const unread: Detail[] = [];
  const python: Array<{ path: string; text: string }> = [];
  const scripts: Array<{ path: string; text: string }> = [];
  for (const path of paths.slice(0, MAX_FILES)) {
    const read = await ctx.files.readText(path, { maxBytes: MAX_FILE_BYTES });
    if (!read.ok) {
      unread.push({ message: `${path} was not checked: ${read.message}`, location: { file: path } });
      continue;
    }
    (PYTHON.test(path) ? python : scripts).push({ path: read.path, text: read.text });
  }
  if (paths.length > MAX_FILES) unread.push({ message: `only the first ${MAX_FILES} of ${paths.length} files were checked` });
  const facts: FileFacts[] = [];
  if (python.length > 0) {
    const parsed = await pythonFacts(ctx, python, names);
    if (!parsed.ok) return parsed;
    facts.push(...parsed.value);
  }
  for (const file of scripts) {
    facts.push(await ctx.memo(`constraints:ts:${names.join(',')}:${file.path}`, () => typescriptFacts(file.path, file.text, names)));
  }
  return { ok: true, facts, unread };
}

/** Problems of one required function against the lab's call. */
function signatureProblems(fn: FunctionFact, spec: FunctionSpec): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  const positional = fn.params.filter((p) => p.kind === 'positional');
  const rest = fn.params.some((p) => p.kind === 'var-positional');
  const anyKeyword = fn.params.some((p) => p.kind === 'var-keyword');
  const shown = `${fn.name}(${fn.params.map(paramText).join(', ')})`;
  const expected = `${spec.name}(${spec.params.map((p) => (p.optional ? `${p.name}=...` : p.name)).join(', ')})`;
  if (positional.length < spec.params.length && !rest) {
    problems.push(`${shown} takes ${positional.length} positional parameter${positional.length === 1 ? '' : 's'}, the lab calls ${expected}`);
  }
  const extra = [...positional.slice(spec.params.length), ...fn.params.filter((p) => p.kind === 'keyword-only')].filter((p) => !p.default);
  if (extra.length > 0) problems.push(`${shown} needs ${extra.map((p) => p.name).join(', ')}, which the lab's call ${expected} does not pass: give ${extra.length === 1 ? 'it' : 'them'} a default`);
  spec.params.forEach((want, i) => {
    const byName = fn.params.find((p) => p.name === want.name && (p.kind === 'positional' || p.kind === 'keyword-only'));
    const byPlace = positional[i];
    if (want.keyword && !byName && !anyKeyword) {
      problems.push(`${shown} has no parameter named ${want.name}: the lab calls ${spec.name}(..., ${want.name}=...)`);
      return;
    }
    const param = want.keyword ? byName : byPlace;
    if (want.optional && param && !param.default) problems.push(`${want.name} in ${shown} needs a default: the lab also calls ${spec.name} without it`);
    if (!want.keyword && byPlace && byPlace.name !== want.name) notes.push(`${spec.name}'s parameter ${i + 1} is named ${byPlace.name} where the lab writes ${want.name} (fine: it is passed by position)`);
  });
  return { problems, notes };
}

function paramText(p: ParamFact): string {
  const prefix = p.kind === 'var-positional' ? '*' : p.kind === 'var-keyword' ? '**' : '';
  return `${prefix}${p.name}${p.default && p.kind !== 'var-positional' && p.kind !== 'var-keyword' ? '=...' : ''}`;
}

async function judge(ctx: CheckContext, options: ConstraintsOptions): Promise<CheckOutcome> {
  const matchers = options.files.map(globRegExp);
  const all = await ctx.files.list();
  const module = options.functions.length > 0 ? await ctx.files.findFirst(options.module) : undefined;
  const ruled = options.forbiddenImports.length > 0 || options.forbiddenCalls.length > 0;
  const paths = all.filter((f) => (PYTHON.test(f) || SCRIPT.test(f)) && ((ruled && matchers.some((m) => m.test(f))) || f === module));
  if (options.functions.length > 0 && module === undefined) {
    return { status: 'fail', message: `no module found for the lab's functions, expected ${options.module.join(' or ')}` };
  }
  if (paths.length === 0) return { status: 'skip', message: `no code files match ${options.files.join(', ')}` };
  const names = [...new Set(options.forbiddenCalls.map((r) => lastPart(r.name)))];
  const got = await factsFor(ctx, paths, names);
  if (!got.ok) return got.outcome;
  const findings: Array<{ message: string; location: Location }> = [];
  const notes: Detail[] = [...got.unread];
  for (const file of got.facts) {
    if (file.syntaxError) {
      const location = at(file.path, file.syntaxError);
      findings.push({ message: `${where(location)}: ${file.syntaxError.message}: the file does not parse, so its rules cannot be checked`, location });
      continue;
    }
    const via = PYTHON.test(file.path) ? 'python' : 'script';
    if (ruled && matchers.some((m) => m.test(file.path))) {
      for (const rule of options.forbiddenImports) {
        const matches = pattern(rule.module, via);
        for (const imp of file.imports) {
          if (!matches(imp.module)) continue;
          const location = at(file.path, imp);
          const route = ROUTES[imp.via];
          findings.push({ message: `${where(location)}: imports ${imp.module}${route ? ` (through ${route})` : ''}${rule.reason ? `: ${rule.reason}` : ''}`, location });
        }
      }
      for (const rule of options.forbiddenCalls) {
        const bare = !rule.name.includes('.');
        for (const use of file.uses) {
          const hit = bare ? lastPart(use.name) === rule.name : use.name === rule.name;
          if (!hit) continue;
          const location = at(file.path, use);
          const shown = use.text && use.text !== use.name ? `${use.text} (${use.name})` : use.name;
          findings.push({ message: `${where(location)}: uses ${shown}${rule.reason ? `: ${rule.reason}` : ''}`, location });
        }
      }
    }
    if (file.path !== module) continue;
    for (const spec of options.functions) {
      const fn = file.functions.find((f) => f.name === spec.name);
      if (fn) {
        const { problems, notes: named } = signatureProblems(fn, spec);
        const location = at(file.path, fn);
        for (const p of problems) findings.push({ message: `${where(location)}: ${p}`, location });
        for (const n of named) notes.push({ message: n, location });
        continue;
      }
      const binding = file.bindings.find((b) => b.name === spec.name);
      const target = binding?.value ? file.functions.find((f) => f.name === binding.value) : undefined;
      if (binding && target) {
        const { problems } = signatureProblems({ ...target, name: spec.name }, spec);
        const location = at(file.path, binding);
        for (const p of problems) findings.push({ message: `${where(location)}: ${p}`, location });
      } else if (binding) {
        notes.push({ message: `${spec.name} is ${binding.imported ? `imported from ${binding.imported}` : 'assigned'} at ${file.path}:${binding.line}: its parameters are not checked here`, location: at(file.path, binding) });
      } else {
        findings.push({ message: `${file.path}: defines no function ${spec.name}, the lab asks for ${spec.name}(${spec.params.map((p) => p.name).join(', ')})`, location: { file: file.path } });
      }
    }
  }
  // In reading order, file by file.
  findings.sort((a, b) => (a.location.file < b.location.file ? -1 : a.location.file > b.location.file ? 1 : (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.column ?? 0) - (b.location.column ?? 0)));
  // Details carry their own location: their text does not repeat it.
  const details: Detail[] = [...findings.map((f) => ({ message: f.message.slice(where(f.location).length + 2), location: f.location })), ...notes];
  const data = { files: got.facts.length, findings: findings.length };
  if (findings.length > 0) {
    return {
      status: 'fail',
      message: `${findings[0]!.message}${findings.length > 1 ? ` (and ${findings.length - 1} more)` : ''}`,
      location: findings[0]!.location,
      details,
      data,
    };
  }
  const what = [
    options.forbiddenImports.length > 0 ? `no ${options.forbiddenImports.map((r) => r.module).join(', ')}` : '',
    options.forbiddenCalls.length > 0 ? `no ${options.forbiddenCalls.map((r) => r.name).join(', ')}` : '',
    options.functions.length > 0 ? `${options.functions.map((f) => f.name).join(', ')} as the lab calls them` : '',
  ].filter(Boolean);
  return { status: 'pass', message: `${got.facts.length} file${got.facts.length === 1 ? '' : 's'} checked: ${what.join('; ')}`, ...(details.length > 0 ? { details } : {}), data };
}

const reason = { type: 'string', minLength: 1, description: 'Why, in the lab\'s words (shown with each finding).' };

export const constraintsKind: CheckKind<ConstraintsOptions> = {
  name: 'constraints',
  summary: "the lab's rules on the code, from parsed code: forbidden imports and calls (through aliases), required function signatures; located findings",
  targets: ['lab'],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    anyOf: [{ required: ['forbiddenImports'] }, { required: ['forbiddenCalls'] }, { required: ['functions'] }],
    // Required functions need the module they live in.
    if: { required: ['functions'], properties: { functions: { minItems: 1 } } },
    then: { required: ['module'] },
    properties: {
      files: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Files the import and call rules apply to (default: every Python file, **/*.py).' },
      module: { type: 'array', minItems: 1, items: { type: 'string', minLength: 1 }, description: 'Where the required functions live (needed with functions).' },
      forbiddenImports: {
        type: 'array',
        default: [],
        items: { type: 'object', additionalProperties: false, required: ['module'], properties: { module: { type: 'string', pattern: '^[@A-Za-z_][\\w./@-]*$' }, reason } },
      },
      forbiddenCalls: {
        type: 'array',
        default: [],
        items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*$' }, reason } },
      },
      functions: {
        type: 'array',
        default: [],
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'params'],
          properties: {
            name: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' },
            params: {
              type: 'array',
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['name'],
                properties: {
                  name: { type: 'string', pattern: '^[A-Za-z_$][\\w$]*$' },
                  keyword: { type: 'boolean', default: false, description: 'The lab passes it by keyword: the name must match.' },
                  optional: { type: 'boolean', default: false, description: 'The lab may leave it out: it needs a default.' },
                },
              },
            },
          },
        },
      },
    },
  },
  run(ctx, options) {
    return judge(ctx, {
      files: options.files ?? ['**/*.py'],
      module: options.module ?? [],
      forbiddenImports: options.forbiddenImports ?? [],
      forbiddenCalls: options.forbiddenCalls ?? [],
      functions: options.functions ?? [],
    });
  },
};
