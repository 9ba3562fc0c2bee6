/**
 * Check kind `files`: the submission holds the files a lab asks for, and its
 * images are real, sensibly sized, non-blank PNGs.
 *
 * Options:
 * - `required`: entries `{ path, description? }`. `path` is one path or a list
 *   of alternatives, the first being the canonical place ("rope.py not found;
 *   expected src/minimodel/positional/rope.py or rope.py"). A file found at an
 *   alternative passes with an info detail saying which path was used. An empty
 *   file counts as missing.
 * - `images`: entries `{ path, minWidth = 200, minHeight = 150, maxWidth = 10000,
 *   maxHeight = 10000, notBlank = true }`, inspected with `inspectPng`.
 *
 * Credit is the fraction of entries (required files and images) that are fine.
 * When a missing file sits elsewhere in the submission (another folder, other
 * letter case), the message says where it was found.
 *
 * Example (rubric YAML):
 *   kind: files
 *   options:
 *     required:
 *       - { path: [src/minimodel/positional/rope.py, rope.py], description: your RoPE implementation }
 *     images:
 *       - { path: relative_position_demo.png, minWidth: 200, minHeight: 150 }
 */
import type { CheckOutcome, Detail } from '../core/types.js';
import { inspectPng, pngSize } from '../input/png.js';
import type { SubmissionFiles } from '../input/files.js';
import type { CheckContext, CheckKind } from './kind.js';

export interface RequiredFile {
  path: string | string[];
  description?: string;
}

export interface ImageRequirement {
  path: string | string[];
  minWidth?: number;
  minHeight?: number;
  maxWidth?: number;
  maxHeight?: number;
  notBlank?: boolean;
}

export interface FilesOptions {
  required?: RequiredFile[];
  images?: ImageRequirement[];
}

const pathOption = {
  oneOf: [
    { type: 'string', minLength: 1 },
    { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 },
  ],
  description: 'A path relative to the submission root, or alternatives (the first is the canonical place).',
};

export const filesOptionsSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  additionalProperties: false,
  properties: {
    required: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: pathOption,
          description: { type: 'string' },
        },
      },
    },
    images: {
      type: 'array',
      default: [],
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path'],
        properties: {
          path: pathOption,
          minWidth: { type: 'integer', minimum: 1, default: 200 },
          minHeight: { type: 'integer', minimum: 1, default: 150 },
          maxWidth: { type: 'integer', minimum: 1, default: 10000 },
          maxHeight: { type: 'integer', minimum: 1, default: 10000 },
          notBlank: { type: 'boolean', default: true },
        },
      },
    },
  },
} as const;

interface EntryResult {
  ok: boolean;
  /** Canonical path. */
  path: string;
  /** Path actually used, when found. */
  found?: string;
  message: string;
  detail?: Detail;
}

export const filesKind: CheckKind<FilesOptions> = {
  name: 'files',
  summary: 'required files are present (with alternative paths) and images are real, non-blank PNGs of a sane size',
  targets: ['lab'],
  optionsSchema: filesOptionsSchema as unknown as Record<string, unknown>,
  async run(ctx, options) {
    const required = options.required ?? [];
    const images = options.images ?? [];
    const results: EntryResult[] = [];
    for (const entry of required) results.push(await checkRequired(ctx, entry));
    for (const entry of images) results.push(await checkImage(ctx, entry));
    return summarise(results, required.length, images.length);
  },
};

async function checkRequired(ctx: CheckContext, entry: RequiredFile): Promise<EntryResult> {
  const alternatives = asList(entry.path);
  const canonical = alternatives[0]!;
  const found = await ctx.files.findFirst(alternatives);
  if (found === undefined) return missing(ctx.files, alternatives, entry.description);
  const bytes = await ctx.files.readBytes(found);
  if (bytes.ok && bytes.bytes.length === 0) {
    const message = `${found} is empty`;
    return { ok: false, path: canonical, found, message, detail: { message, location: { file: found } } };
  }
  if (found !== canonical) {
    const message = `${basename(canonical)} found at ${found} instead of ${canonical} (accepted)`;
    return { ok: true, path: canonical, found, message, detail: { message, location: { file: found } } };
  }
  return { ok: true, path: canonical, found, message: `${found} is present` };
}

async function checkImage(ctx: CheckContext, entry: ImageRequirement): Promise<EntryResult> {
  const alternatives = asList(entry.path);
  const canonical = alternatives[0]!;
  const found = await ctx.files.findFirst(alternatives);
  if (found === undefined) return missing(ctx.files, alternatives, undefined);
  const fail = (message: string): EntryResult => ({ ok: false, path: canonical, found, message, detail: { message, location: { file: found } } });

  const bytes = await ctx.files.readBytes(found);
  if (!bytes.ok) return fail(bytes.message);
  const minWidth = entry.minWidth ?? 200;
  const minHeight = entry.minHeight ?? 150;
  const maxWidth = entry.maxWidth ?? 10000;
  const maxHeight = entry.maxHeight ?? 10000;
  const tooLarge = ({ width, height }: { width: number; height: number }): EntryResult | undefined => {
    if (width <= maxWidth && height <= maxHeight) return undefined;
    const size = `${width}x${height}`;
    return {
      ...fail(`${found} is ${size} pixels, expected at most ${maxWidth}x${maxHeight}`),
      detail: { message: `${found} is too large`, location: { file: found }, actual: size, expected: `at most ${maxWidth}x${maxHeight}` },
    };
  };
  // The header's size first: an oversized image is refused before it is inflated (a PNG of a few
  // hundred bytes can claim 20000x20000 pixels, gigabytes once decoded).
  const header = pngSize(bytes.bytes);
  const claimed = header && tooLarge(header);
  if (claimed) return claimed;
  const info = inspectPng(bytes.bytes);
  if (!info.ok) return fail(`${found} is ${info.message}`);
  const size = `${info.width}x${info.height}`;
  if (info.width < minWidth || info.height < minHeight) {
    return {
      ...fail(`${found} is ${size} pixels, expected at least ${minWidth}x${minHeight}`),
      detail: { message: `${found} is too small`, location: { file: found }, actual: size, expected: `at least ${minWidth}x${minHeight}` },
    };
  }
  const decoded = tooLarge(info);
  if (decoded) return decoded;
  if ((entry.notBlank ?? true) && info.blank) {
    const why =
      info.distinctColours === 1
        ? `a single colour over all ${size} pixels`
        : `only ${formatPercent(info.inkFraction)} of its pixels differ from the background`;
    return fail(`${found} is blank (${why}); expected a plot`);
  }
  return { ok: true, path: canonical, found, message: `${found} is a ${size} PNG with content (${formatPercent(info.inkFraction)} ink)` };
}

/** The finding for a file that is not where the rubric expects it, with a pointer to where it is, if anywhere. */
async function missing(files: SubmissionFiles, alternatives: string[], description: string | undefined): Promise<EntryResult> {
  const canonical = alternatives[0]!;
  const name = basename(canonical);
  // A file at the canonical place that cannot be used (a folder, a link outside the submission) says so.
  const direct = await files.readBytes(canonical);
  const where =
    alternatives.length === 1 && !canonical.includes('/')
      ? 'expected in the submission folder'
      : `expected ${alternatives.join(' or ')}`;
  // "README.md is a FIFO (named pipe), not a regular file; expected ...": what is there, not "not found".
  let message = !direct.ok && direct.problem !== 'missing' ? `${direct.message}; ${where}` : `${name} not found; ${where}`;
  const elsewhere = await lookElsewhere(files, alternatives);
  if (elsewhere) message += `; found ${elsewhere}, ${hintFor(elsewhere, canonical)}`;
  if (description) message = `${message} (${description})`;
  return { ok: false, path: canonical, message, detail: { message, location: { file: canonical } } };
}

/** Another file in the submission with the same name (any folder, any letter case). */
async function lookElsewhere(files: SubmissionFiles, alternatives: string[]): Promise<string | undefined> {
  const names = new Set(alternatives.map((a) => basename(a).toLowerCase()));
  const all = await files.list();
  return all.find((path) => names.has(basename(path).toLowerCase()));
}

function hintFor(found: string, canonical: string): string {
  if (basename(found) !== basename(canonical) && basename(found).toLowerCase() === basename(canonical).toLowerCase()) {
    return `file names are case-sensitive, rename it to ${canonical}`;
  }
  return `move it to ${canonical}`;
}

function summarise(results: EntryResult[], requiredCount: number, imageCount: number): CheckOutcome {
  const total = results.length;
  const failures = results.filter((r) => !r.ok);
  const details = results.map((r) => r.detail).filter((d): d is Detail => d !== undefined);
  const data = {
    found: Object.fromEntries(results.filter((r) => r.found !== undefined).map((r) => [r.path, r.found!])),
    missing: failures.filter((r) => r.found === undefined).map((r) => r.path),
  };
  if (total === 0) return { status: 'pass', message: 'no files to check' };
  if (failures.length === 0) {
    const parts: string[] = [];
    if (requiredCount > 0) parts.push(requiredCount === 1 ? `${results[0]!.found} is present` : `all ${requiredCount} required files are present`);
    if (imageCount > 0) parts.push(...results.slice(requiredCount).map((r) => r.message));
    return { status: 'pass', message: parts.join('; '), ...(details.length ? { details } : {}), data };
  }
  const first = failures[0]!;
  const message =
    failures.length === 1
      ? first.message
      : `${failures.length} of ${total} ${imageCount === 0 ? 'required files' : 'files'} are missing or unusable: ${failures.map((f) => f.message).join('; ')}`;
  return {
    status: 'fail',
    credit: (total - failures.length) / total,
    message,
    location: { file: first.found ?? first.path },
    details,
    data,
  };
}

function asList(path: string | string[]): string[] {
  return Array.isArray(path) ? path : [path];
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function formatPercent(x: number): string {
  const p = x * 100;
  return `${p >= 1 ? p.toFixed(1) : p.toPrecision(2)}%`;
}
