import { stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { type Document, type Node as YamlNode } from 'yaml';
import { closest, describeAjvError, inlineValidator } from '../core/ajv.js';
import { ConfigError } from '../core/errors.js';
import { parseYamlLocated, readYamlText } from '../core/yaml.js';
import type { Location, Report, Rubric } from '../core/types.js';
import { defaultRegistry, type Registry } from '../checks/registry.js';
import { resolveRubric } from '../rubric/load.js';
import { verifyDocument } from './verify.js';

/**
 * A curriculum repository names its modules in `curriculum.yaml`: each module
 * has a build prompt (and optionally a lab and an experiment) and either the
 * rubric that verifies it or `status: not-verified-yet`.
 *
 *   id: sample
 *   title: Sample curriculum
 *   modules:
 *     - id: rope
 *       title: RoPE / Rotary Position Embeddings
 *       buildPrompt: modules/rope/build-prompt.md
 *       lab: modules/rope/lab-02-rope-implementation.md
 *       rubric: rope-build-prompt        # a rubric id, or a path relative to this file
 *     - id: linear
 *       buildPrompt: modules/linear/build-prompt.md
 *       literature: Attention Is All You Need + GLU Variants
 *       status: not-verified-yet
 */
export interface CurriculumModule {
  id: string;
  title?: string;
  buildPrompt?: string;
  lab?: string;
  experiment?: string;
  /** Rubric id (search path) or YAML path relative to the manifest. */
  rubric?: string;
  /** What the module will be checked against, for modules not verified yet. */
  literature?: string;
  status?: 'verified' | 'not-verified-yet';
  /** Position of the module in the manifest. */
  source?: Location;
}

export interface Curriculum {
  id: string;
  title?: string;
  modules: CurriculumModule[];
  /** Absolute folder holding the manifest. */
  root: string;
  /** Manifest path as given for messages (relative when possible). */
  file: string;
}

export const MANIFEST_NAMES = ['curriculum.yaml', 'curriculum.yml'] as const;

const moduleSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: {
    id: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' },
    title: { type: 'string', minLength: 1 },
    buildPrompt: { type: 'string', minLength: 1 },
    lab: { type: 'string', minLength: 1 },
    experiment: { type: 'string', minLength: 1 },
    rubric: { type: 'string', minLength: 1 },
    literature: { type: 'string', minLength: 1 },
    status: { enum: ['verified', 'not-verified-yet'] },
  },
} as const;

/** JSON Schema (draft 2020-12) of curriculum.yaml. */
export const curriculumSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'modules'],
  properties: {
    $schema: { type: 'string' },
    id: { type: 'string', minLength: 1 },
    title: { type: 'string' },
    description: { type: 'string' },
    modules: { type: 'array', minItems: 1, items: moduleSchema },
  },
} as const;

/** Finds the manifest of a curriculum folder (or accepts the manifest file itself). */
export async function findManifest(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ConfigError(`curriculum not found: ${display(path)}`);
  if (info.isFile()) return path;
  for (const name of MANIFEST_NAMES) {
    const candidate = join(path, name);
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  throw new ConfigError(`no curriculum.yaml in ${display(path)}: a curriculum folder names its modules in curriculum.yaml`);
}

/** Loads and validates a curriculum manifest; every problem is located in the YAML. */
export async function loadCurriculum(path: string): Promise<Curriculum> {
  const manifest = await findManifest(path);
  const read = await readYamlText(manifest, display(manifest));
  if (!read.ok) throw manifestError(display(manifest), read.problems);
  const curriculum = parseCurriculum(read.text, manifest);
  // Referenced files must exist: a broken link is a configuration error, located at the key.
  const problems: Array<{ message: string; location?: Location }> = [];
  for (const module of curriculum.modules) {
    for (const key of ['buildPrompt', 'lab', 'experiment'] as const) {
      const rel = module[key];
      if (rel === undefined) continue;
      const abs = resolve(curriculum.root, rel);
      const inside = relative(curriculum.root, abs);
      const ok = !inside.startsWith('..') && !isAbsolute(inside) && (await stat(abs).catch(() => undefined))?.isFile();
      if (!ok) {
        problems.push({ message: `module '${module.id}': ${key} file not found: ${rel}`, ...(module.source ? { location: module.source } : {}) });
      }
    }
    if (module.rubric !== undefined && module.buildPrompt === undefined) {
      problems.push({ message: `module '${module.id}': a rubric is set but no buildPrompt to verify`, ...(module.source ? { location: module.source } : {}) });
    }
  }
  if (problems.length > 0) throw manifestError(curriculum.file, problems);
  return curriculum;
}

/** Parses manifest text (exported for tests). */
export function parseCurriculum(text: string, file: string): Curriculum {
  const shown = display(file);
  const parsed = parseYamlLocated(text, shown);
  if (!parsed.ok) throw manifestError(shown, parsed.problems);
  const { doc, data, at } = parsed;
  const validate = inlineValidator(curriculumSchema as unknown as Record<string, unknown>);
  if (!validate(data)) {
    const problems = (validate.errors ?? [])
      .filter((e) => !['if', 'anyOf', 'oneOf', 'allOf'].includes(e.keyword))
      .map((e) => {
        const key = e.keyword === 'additionalProperties' ? String((e.params as Record<string, unknown>).additionalProperty) : undefined;
        const known = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
        const hint = key !== undefined ? closest(key, known) : undefined;
        return { message: describeAjvError(e) + (hint ? ` (did you mean '${hint}'?)` : ''), location: at(offsetAt(doc, e.instancePath, key)) };
      });
    throw manifestError(shown, problems);
  }
  const raw = data as { id: string; title?: string; modules: CurriculumModule[] };
  const problems: Array<{ message: string; location: Location }> = [];
  const seen = new Set<string>();
  raw.modules.forEach((module, index) => {
    module.source = at(nodeRange(doc, ['modules', index]));
    if (seen.has(module.id)) problems.push({ message: `duplicate module id '${module.id}'`, location: at(nodeRange(doc, ['modules', index, 'id'])) });
    seen.add(module.id);
    if (module.rubric === undefined && module.status === 'verified') {
      problems.push({ message: `module '${module.id}': status is 'verified' but no rubric says how`, location: at(nodeRange(doc, ['modules', index, 'status'])) });
    }
    if (module.rubric !== undefined && module.status === 'not-verified-yet') {
      problems.push({ message: `module '${module.id}': has a rubric but status 'not-verified-yet'; drop one of them`, location: at(nodeRange(doc, ['modules', index, 'status'])) });
    }
  });
  if (problems.length > 0) throw manifestError(shown, problems);
  const out: Curriculum = { id: raw.id, modules: raw.modules, root: resolve(file, '..'), file: shown };
  if (raw.title !== undefined) out.title = raw.title;
  return out;
}

export interface ModuleVerification {
  module: CurriculumModule;
  rubric: Rubric;
  report: Report;
  /** Ids of required criteria the build prompt misses. */
  missingRequired: string[];
}

export interface CurriculumVerification {
  curriculum: Curriculum;
  verified: ModuleVerification[];
  notVerified: CurriculumModule[];
  /** 0 when no required criterion is missing and no check errored, else 1. */
  exitCode: 0 | 1;
}

/** Verifies every module the manifest maps to a rubric. Configuration problems throw ConfigError. */
export async function verifyCurriculum(path: string, options: { registry?: Registry } = {}): Promise<CurriculumVerification> {
  const registry = options.registry ?? defaultRegistry;
  const curriculum = await loadCurriculum(path);
  const verified: ModuleVerification[] = [];
  const notVerified: CurriculumModule[] = [];
  for (const module of curriculum.modules) {
    if (module.rubric === undefined) {
      notVerified.push(module);
      continue;
    }
    const rubric = await rubricFor(module, curriculum, registry);
    const report = await verifyDocument({ rubric, document: resolve(curriculum.root, module.buildPrompt!), registry });
    verified.push({ module, rubric, report, missingRequired: missingRequired(report, rubric) });
  }
  const failing = verified.some((v) => v.missingRequired.length > 0 || v.report.summary.error > 0);
  return { curriculum, verified, notVerified, exitCode: failing ? 1 : 0 };
}

/** Ids of required criteria (explicit `required`, else severity error) that did not pass or warn. */
export function missingRequired(report: Report, rubric: Rubric): string[] {
  const required = new Set(rubric.criteria.filter((c) => c.required ?? c.severity === 'error').map((c) => c.id));
  return report.checks.filter((c) => required.has(c.id) && (c.status === 'fail' || c.status === 'error')).map((c) => c.id);
}

/** "1 of 7 modules verified" and the per-module lines, for the terminal. */
export function curriculumSummary(result: CurriculumVerification): string {
  const total = result.curriculum.modules.length;
  const lines: string[] = [];
  lines.push(`${result.verified.length} of ${total} module${total === 1 ? '' : 's'} verified (${result.curriculum.file})`);
  for (const v of result.verified) {
    const s = v.report.summary;
    const state = v.missingRequired.length > 0 ? `missing required: ${v.missingRequired.join(', ')}` : 'no required criterion missing';
    lines.push(
      `  ${v.missingRequired.length > 0 ? '✗' : '✓'} ${v.module.id} (${v.rubric.id}): ${s.pass} covered, ${s.warn} partly, ${s.fail} missing; ${state}`,
    );
  }
  if (result.notVerified.length > 0) {
    lines.push(`  not verified yet: ${result.notVerified.map((m) => m.id).join(', ')}`);
  }
  return lines.join('\n');
}

async function rubricFor(module: CurriculumModule, curriculum: Curriculum, registry: Registry): Promise<Rubric> {
  const ref = module.rubric!;
  const local = resolve(curriculum.root, ref);
  if (/[\\/]/.test(ref) || /\.ya?ml$/i.test(ref)) {
    return resolveRubric(local, registry);
  }
  const sibling = ['.yaml', '.yml'].map((ext) => join(curriculum.root, 'rubrics', ref + ext));
  for (const candidate of sibling) {
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return resolveRubric(candidate, registry);
  }
  try {
    return await resolveRubric(ref, registry);
  } catch (error) {
    if (error instanceof ConfigError && module.source) {
      throw new ConfigError(`module '${module.id}': ${error.message}`, module.source);
    }
    throw error;
  }
}

function manifestError(file: string, problems: Array<{ message: string; location?: Location }>): ConfigError {
  const first = problems[0] ?? { message: 'invalid curriculum manifest' };
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ConfigError(`invalid curriculum ${file}: ${first.message}${more}`, first.location, problems);
}

function nodeRange(doc: Document, path: Array<string | number>): number | undefined {
  const node = doc.getIn(path, true) as YamlNode | undefined;
  return node && typeof node === 'object' ? node.range?.[0] : undefined;
}

function offsetAt(doc: Document, pointer: string, key?: string): number | undefined {
  const path = pointer ? pointer.slice(1).split('/').map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~'))) : [];
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? (doc.contents as YamlNode | null) : (doc.getIn(path.slice(0, depth), true) as YamlNode | undefined);
    if (!node || typeof node !== 'object') continue;
    if (key !== undefined && depth === path.length && 'items' in node) {
      const pair = (node as unknown as { items: Array<{ key?: YamlNode }> }).items.find((p) => (p.key as { value?: unknown } | undefined)?.value === key);
      if (pair?.key?.range) return pair.key.range[0];
    }
    if (node.range) return node.range[0];
  }
  return undefined;
}

function display(path: string): string {
  if (!isAbsolute(path)) return path.split('\\').join('/');
  const rel = relative(process.cwd(), path);
  return (rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path).split('\\').join('/');
}
