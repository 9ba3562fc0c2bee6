import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { isMap, isScalar, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { ErrorObject } from 'ajv';
import { closest, describeAjvError, inlineValidator, schemaValidator } from '../core/ajv.js';
import { ConfigError } from '../core/errors.js';
import { rubricsDir } from '../core/paths.js';
import { parseYamlLocated, readYamlText } from '../core/yaml.js';
import type { Criterion, Location, Rubric } from '../core/types.js';
import { defaultRegistry, type Registry } from '../checks/registry.js';
import { compilePattern } from '../text/pattern.js';
import { compileStatement } from '../verify/statements.js';

/** Locates a problem at the offending value itself (not at a key the schema named). */
const VALUE_ERROR = { keyword: 'check', params: {} } as unknown as ErrorObject;

/** Rubric files larger than this are refused rather than parsed. */
const MAX_RUBRIC_BYTES = 1024 * 1024;

export interface RubricProblem {
  message: string;
  location: Location;
}

/** Parses and validates rubric text. Throws a ConfigError listing every located problem. */
export function parseRubric(text: string, file: string, registry: Registry = defaultRegistry): Rubric {
  const displayFile = displayPath(file);
  const parsed = parseYamlLocated(text, displayFile);
  if (!parsed.ok) throw rubricError(displayFile, parsed.problems);
  const { doc, data, at } = parsed;
  const problems: RubricProblem[] = [];
  const validate = schemaValidator('rubric.schema.json');
  if (!validate(data)) {
    for (const error of simplifyErrors(validate.errors ?? [])) {
      problems.push({ message: rubricMessage(error), location: at(offsetOf(doc, error)) });
    }
    throw rubricError(displayFile, problems);
  }

  const raw = data as Omit<Rubric, 'path'> & { criteria: Array<Criterion & { options: Record<string, unknown> }> };
  const dimensionIds = raw.dimensions.map((d) => d.id);
  for (const [name, variants] of Object.entries(raw.conventions ?? {})) {
    for (const [variant, patterns] of Object.entries(variants)) {
      const found: Array<{ message: string; path: Array<string | number> }> = [];
      compileStatement({ id: variant, says: variant, match: patterns }, found);
      for (const problem of found) problems.push({ message: `conventions.${name}.${variant}: ${problem.message}`, location: at(offsetOfPath(doc, ['conventions', name, variant, ...problem.path.slice(1)], VALUE_ERROR)) });
    }
  }
  for (const key of ['names', 'others'] as const) {
    (raw.subject?.[key] ?? []).forEach((pattern, k) => {
      const c = compilePattern(pattern);
      if (!c.ok) problems.push({ message: `subject.${key}[${k}]: ${c.message} at character ${c.offset + 1} of '${pattern}'`, location: at(offsetOfPath(doc, ['subject', key, k], VALUE_ERROR)) });
    });
  }
  const seen = new Set<string>();
  raw.criteria.forEach((criterion, index) => {
    const here = (...path: Array<string | number>) => at(nodeAt(doc, ['criteria', index, ...path])?.range?.[0]);
    if (seen.has(criterion.id)) {
      problems.push({ message: `duplicate criterion id '${criterion.id}'`, location: here('id') });
    }
    seen.add(criterion.id);
    if (!dimensionIds.includes(criterion.dimension)) {
      const hint = closest(criterion.dimension, dimensionIds);
      problems.push({
        message: `criterion '${criterion.id}': unknown dimension '${criterion.dimension}', expected one of ${dimensionIds.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`,
        location: here('dimension'),
      });
    }
    const kind = registry.get(criterion.kind);
    if (!kind) {
      const hint = closest(criterion.kind, registry.names());
      problems.push({
        message: `criterion '${criterion.id}': unknown check kind '${criterion.kind}'${hint ? ` (did you mean '${hint}'?)` : `, expected one of ${registry.names().join(', ')}`}`,
        location: here('kind'),
      });
      return;
    }
    if (!kind.targets.includes(raw.target)) {
      problems.push({
        message: `criterion '${criterion.id}': check kind '${kind.name}' does not apply to ${raw.target} rubrics`,
        location: here('kind'),
      });
    }
    const validateOptions = inlineValidator(kind.optionsSchema);
    criterion.options ??= {};
    if (!validateOptions(criterion.options)) {
      for (const error of simplifyErrors(validateOptions.errors ?? [])) {
        const path = ['criteria', index, 'options', ...pointerSegments(error.instancePath)];
        const offset = offsetOfPath(doc, path, error);
        const optionsHint = error.keyword === 'additionalProperties'
          ? suggestion(String((error.params as Record<string, unknown>).additionalProperty), knownKeys(error))
          : '';
        problems.push({
          message: `criterion '${criterion.id}': bad option for '${kind.name}': ${describeAjvError(error).replace(/ at \/$/, '')}${optionsHint}`,
          location: at(offset),
        });
      }
    } else if (kind.check) {
      for (const problem of kind.check(criterion.options, raw as Rubric)) {
        problems.push({
          message: `criterion '${criterion.id}': ${problem.message}`,
          location: at(offsetOfPath(doc, ['criteria', index, 'options', ...problem.path], VALUE_ERROR)),
        });
      }
    }
    criterion.severity ??= 'error';
    criterion.visibility ??= 'learner';
    if (criterion.required === true && raw.target === 'lab' && criterion.severity !== 'error') {
      // stamp() turns a failure of a warning or info criterion into a warning, which meets a gate: the gate could never close.
      problems.push({
        message: `criterion '${criterion.id}': required: true needs severity: error (a ${criterion.severity} only warns, so the requirement could never fail)`,
        location: here('required'),
      });
    }
    criterion.source = here();
  });
  if (problems.length > 0) throw rubricError(displayFile, problems);

  return { ...raw, appliesTo: raw.appliesTo ?? {}, path: resolve(file) } as Rubric;
}

/** Loads a rubric from a file path. */
export async function loadRubricFile(file: string, registry: Registry = defaultRegistry): Promise<Rubric> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new ConfigError(`rubric file not found: ${displayPath(file)}`);
  }
  if (!info.isFile()) throw new ConfigError(`not a rubric file: ${displayPath(file)}`);
  if (info.size > MAX_RUBRIC_BYTES) {
    throw new ConfigError(`rubric ${displayPath(file)} is ${info.size} bytes, over the ${MAX_RUBRIC_BYTES}-byte limit`);
  }
  const read = await readYamlText(file, displayPath(file));
  if (!read.ok) throw rubricError(displayPath(file), read.problems);
  return parseRubric(read.text, file, registry);
}

/** Folders searched for rubric ids: RUBRICATE_RUBRICS (path-separated) first, then the bundled rubrics. */
export function rubricSearchPath(): string[] {
  const extra = (process.env.RUBRICATE_RUBRICS ?? '').split(':').filter(Boolean);
  return [...extra, rubricsDir];
}

/** Resolves `--rubric`: a path to a YAML file, or the id of a rubric in the search path. */
export async function resolveRubric(idOrPath: string, registry: Registry = defaultRegistry): Promise<Rubric> {
  const looksLikePath = /[\\/]/.test(idOrPath) || /\.ya?ml$/i.test(idOrPath);
  if (looksLikePath) return loadRubricFile(idOrPath, registry);
  for (const dir of rubricSearchPath()) {
    for (const ext of ['.yaml', '.yml']) {
      const candidate = join(dir, idOrPath + ext);
      if (await isFile(candidate)) return loadRubricFile(candidate, registry);
    }
  }
  const known = (await listRubricFiles()).map((f) => basename(f).replace(/\.ya?ml$/i, ''));
  const hint = closest(idOrPath, known);
  throw new ConfigError(
    `unknown rubric '${idOrPath}'${hint ? ` (did you mean '${hint}'?)` : ''}; known rubrics: ${known.join(', ') || 'none'}`,
  );
}

/** Every rubric file in the search path, sorted. */
export async function listRubricFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const dir of rubricSearchPath()) {
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      continue;
    }
    for (const entry of entries.sort()) {
      if (/\.ya?ml$/i.test(entry)) files.push(join(dir, entry));
    }
  }
  return files;
}

/** Loads every rubric in the search path; broken ones are returned as errors, not thrown. */
export async function listRubrics(registry: Registry = defaultRegistry): Promise<Array<{ file: string; rubric?: Rubric; error?: ConfigError }>> {
  const out: Array<{ file: string; rubric?: Rubric; error?: ConfigError }> = [];
  for (const file of await listRubricFiles()) {
    try {
      out.push({ file, rubric: await loadRubricFile(file, registry) });
    } catch (error) {
      if (error instanceof ConfigError) out.push({ file, error });
      else throw error;
    }
  }
  return out;
}

/** Picks the rubric whose `appliesTo.experiment` lists the manifest's experiment. */
export async function rubricForExperiment(experiment: string, registry: Registry = defaultRegistry): Promise<Rubric | undefined> {
  // Parsing and checking a rubric takes tens of milliseconds (the bundled ones about 0.1-0.5 s together on a
  // cold process): a file that cannot name the experiment is not parsed. A plain name (letters, digits, `.`,
  // `_`, `-`) can only be written as itself in YAML unless escapes (a backslash) are used.
  const plain = /^[A-Za-z0-9._-]+$/.test(experiment);
  for (const file of await listRubricFiles()) {
    if (plain && !(await mayName(file, experiment))) continue;
    let rubric: Rubric;
    try {
      rubric = await loadRubricFile(file, registry);
    } catch (error) {
      if (error instanceof ConfigError) continue;
      throw error;
    }
    if (rubric.appliesTo.experiment?.includes(experiment)) return rubric;
  }
  return undefined;
}

/** False only when the file's text holds neither the name nor a backslash (so no escape could spell it). */
async function mayName(file: string, name: string): Promise<boolean> {
  try {
    if ((await stat(file)).size > MAX_RUBRIC_BYTES) return true;
    const read = await readYamlText(file, displayPath(file));
    return !read.ok || mayNameIn(read.text, name);
  } catch {
    return true;
  }
}

/** A character that can continue a plain name (letters, digits, `.`, `_`, `-`). */
const NAME_CHAR = /[A-Za-z0-9._-]/;

/**
 * False only when YAML `text` cannot hold the plain name `name` (letters,
 * digits, `.`, `_`, `-` only: the caller checks) as a value:
 * no backslash (an escape could spell it otherwise), and no occurrence of the
 * name that a name character does not touch on either side (`16-rope` inside
 * `16-rope-rust-struct` is another name: picking rope-lab02 parsed and
 * checked rope-lab02-rust-struct.yaml first, about 90 ms of CPU).
 */
export function mayNameIn(text: string, name: string): boolean {
  if (text.includes('\\')) return true;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    if (!NAME_CHAR.test(text[at - 1] ?? ' ') && !NAME_CHAR.test(text[at + name.length] ?? ' ')) return true;
  }
  return false;
}

// --- helpers -------------------------------------------------------------

function rubricError(file: string, problems: RubricProblem[]): ConfigError {
  const first = problems[0]!;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''})` : '';
  return new ConfigError(`invalid rubric ${file}: ${first.message}${more}`, first.location, problems);
}

function displayPath(file: string): string {
  if (!isAbsolute(file)) return file.split('\\').join('/');
  const rel = relative(process.cwd(), file);
  return (rel && !rel.startsWith('..') ? rel : file).split('\\').join('/');
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function pointerSegments(pointer: string): Array<string | number> {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function nodeAt(doc: Document, path: Array<string | number>): YamlNode | undefined {
  if (path.length === 0) return doc.contents ?? undefined;
  const node = doc.getIn(path, true) as YamlNode | undefined;
  return node && typeof node === 'object' ? node : undefined;
}

/** Offset of the key named in an error (unknown key), else of the value at the error path, else of its nearest parent. */
function offsetOfPath(doc: Document, path: Array<string | number>, error: ErrorObject): number | undefined {
  const params = error.params as Record<string, unknown>;
  const key = error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  for (let depth = path.length; depth >= 0; depth--) {
    const node = nodeAt(doc, path.slice(0, depth));
    if (!node) continue;
    if (depth === path.length && typeof key === 'string' && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && item.key.value === key);
      const keyNode = pair?.key as YamlNode | undefined;
      if (keyNode?.range) return keyNode.range[0];
    }
    if (depth === path.length && error.keyword !== 'required' && (isMap(node) || isSeq(node) || isScalar(node))) {
      // Point at the key of this value when it has one: "points: -1" is located at "points".
      const parent = nodeAt(doc, path.slice(0, depth - 1));
      const last = path[depth - 1];
      if (parent && isMap(parent) && typeof last === 'string') {
        const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === last);
        const keyNode = pair?.key as YamlNode | undefined;
        if (keyNode?.range) return keyNode.range[0];
      }
    }
    if (node.range) return node.range[0];
  }
  return undefined;
}

function offsetOf(doc: Document, error: ErrorObject): number | undefined {
  return offsetOfPath(doc, pointerSegments(error.instancePath), error);
}

/** Drops the noise Ajv adds around a real error (if/then/anyOf wrappers). */
function simplifyErrors(errors: ErrorObject[]): ErrorObject[] {
  const useful = errors.filter((e) => !['if', 'anyOf', 'oneOf', 'allOf', '$ref'].includes(e.keyword));
  const list = useful.length > 0 ? useful : errors;
  const seen = new Set<string>();
  // An unknown key usually explains a missing one ("pionts" for "points"): report it first.
  const rank = (e: ErrorObject) => (e.keyword === 'additionalProperties' ? 0 : e.keyword === 'required' ? 2 : 1);
  return [...list].sort((a, b) => rank(a) - rank(b)).filter((e) => {
    const key = `${e.instancePath}|${e.keyword}|${JSON.stringify(e.params)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function rubricMessage(error: ErrorObject): string {
  const base = describeAjvError(error);
  if (error.keyword !== 'additionalProperties') return base;
  const key = String((error.params as Record<string, unknown>).additionalProperty);
  const schema = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return base + suggestion(key, Object.keys(schema?.properties ?? {}));
}

function suggestion(key: string, candidates: string[]): string {
  const hint = closest(key, candidates);
  return hint ? ` (did you mean '${hint}'?)` : candidates.length ? `, expected one of ${candidates.join(', ')}` : '';
}

function knownKeys(error: ErrorObject): string[] {
  const parent = error.parentSchema as { properties?: Record<string, unknown> } | undefined;
  return Object.keys(parent?.properties ?? {});
}
