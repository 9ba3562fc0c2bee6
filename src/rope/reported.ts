/**
 * Finds the numbers a learner reports for the lab's Block B (max |lhs - rhs|)
 * and Block D (max norm difference) in manifest.json, README.md and
 * verify_output.txt, each with its location.
 */
import type { Location } from '../core/types.js';
import type { SubmissionFiles } from '../input/files.js';

export type Quantity = 'relative-position' | 'norm';

export interface ReportedNumber {
  quantity: Quantity;
  value: number;
  /** The number as written. */
  text: string;
  location: Location;
}

const NUMBER = /(?<![\w.])(\d+(?:\.\d+)?[eE][-+]?\d+|\d*\.\d+(?:[eE][-+]?\d+)?)(?!\w|\.\d)/g;
const RELPOS = /max(?:imum)?\.?\s+(?:abs(?:olute)?\s+)?diff|\|\s*lhs\s*-\s*rhs\s*\||relative[_ -]position[_ ]max[_ ]diff/i;
const NORM = /norm/i;
/** The lab's own thresholds, quoted next to results ("< 1e-5", "atol=1e-6"), are not results. */
const THRESHOLDS = new Set([1e-5, 1e-6]);

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  }
  return { line, column: offset - last };
}

/** The first result-like number in a span of text (skipping thresholds and integers such as pair indices). */
function firstResult(text: string, start: number, end: number): { value: number; text: string; offset: number } | undefined {
  NUMBER.lastIndex = start;
  for (let m = NUMBER.exec(text); m && m.index < end; m = NUMBER.exec(text)) {
    const raw = m[1]!;
    const value = Number(raw);
    if (!Number.isFinite(value) || THRESHOLDS.has(value)) continue;
    const before = text.slice(Math.max(0, m.index - 6), m.index);
    if (/(<|atol\s*=?|tol\s*=?|below)\s*$/i.test(before)) continue;
    return { value, text: raw, offset: m.index };
  }
  return undefined;
}

/** Reported numbers in a prose or printout file: per paragraph (blank-line separated), the first result after the keyword. */
export function reportedInText(file: string, text: string): ReportedNumber[] {
  const out: ReportedNumber[] = [];
  const seen = new Set<Quantity>();
  const paragraphs = /[^\n]+(?:\n(?!\s*\n)[^\n]*)*/g;
  for (let p = paragraphs.exec(text); p; p = paragraphs.exec(text)) {
    const start = p.index;
    const end = start + p[0].length;
    // Line by line inside the paragraph so that a printout's lines stay separate claims.
    const lines = file.endsWith('.md') ? [[start, end] as const] : splitLines(text, start, end);
    for (const [s, e] of lines) {
      const span = text.slice(s, e);
      if (/curve|block c/i.test(span) && !file.endsWith('.md')) continue;
      const rel = RELPOS.exec(span);
      const quantity: Quantity | undefined = rel && !/max\s+norm/i.test(span) ? 'relative-position' : NORM.test(span) && /max|diff|up to|within|differ/i.test(span) ? 'norm' : undefined;
      if (!quantity || seen.has(quantity)) continue;
      const from = quantity === 'relative-position' && rel ? s + rel.index : s;
      const found = firstResult(text, from, e);
      if (!found) continue;
      seen.add(quantity);
      out.push({ quantity, value: found.value, text: found.text, location: { file, ...lineColumn(text, found.offset) } });
    }
  }
  return out;
}

function splitLines(text: string, start: number, end: number): Array<readonly [number, number]> {
  const out: Array<readonly [number, number]> = [];
  let s = start;
  for (let i = start; i <= end; i++) {
    if (i === end || text.charCodeAt(i) === 10) {
      out.push([s, i] as const);
      s = i + 1;
    }
  }
  return out;
}

/** results_summary in manifest.json. */
export function reportedInManifest(file: string, text: string): ReportedNumber[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const summary = (json as { results_summary?: Record<string, unknown> } | null)?.results_summary;
  if (!summary || typeof summary !== 'object') return [];
  const out: ReportedNumber[] = [];
  for (const [key, quantity] of [['relative_position_max_diff', 'relative-position'], ['norm_preservation_max_diff', 'norm']] as const) {
    const value = summary[key];
    if (typeof value !== 'number') continue;
    const at = text.indexOf(`"${key}"`);
    out.push({ quantity, value, text: String(value), location: { file, ...(at >= 0 ? lineColumn(text, at) : {}) } });
  }
  return out;
}

export async function findReportedNumbers(files: SubmissionFiles, sources: { manifest: string; texts: string[] }): Promise<ReportedNumber[]> {
  const out: ReportedNumber[] = [];
  const manifest = await files.readText(sources.manifest);
  if (manifest.ok) out.push(...reportedInManifest(manifest.path, manifest.text));
  for (const file of sources.texts) {
    const read = await files.readText(file);
    if (read.ok) out.push(...reportedInText(read.path, read.text));
  }
  return out;
}
