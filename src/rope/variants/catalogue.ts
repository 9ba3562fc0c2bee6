/**
 * The catalogue of RoPE variants (rubrics/variants/rope.yaml): data a course
 * author can extend. Each entry names the model function that fits it
 * (models.ts), the learner-facing text with {placeholders} for the fitted
 * parameters, and the check kinds it explains.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { rubricsDir } from '../../core/paths.js';

export interface VariantEntry {
  id: string;
  family: string;
  model: string;
  params?: Record<string, unknown>;
  text: string;
  explains: string[];
  seen?: string[];
  fixture?: string;
}

let cached: Map<string, VariantEntry> | undefined;

/** The catalogue, read once per process; a broken file is a configuration error with its path. */
export function catalogue(): Map<string, VariantEntry> {
  if (cached) return cached;
  const file = path.join(rubricsDir, 'variants', 'rope.yaml');
  const data = parse(readFileSync(file, 'utf8')) as { variants?: VariantEntry[] } | null;
  const entries = data?.variants;
  if (!Array.isArray(entries)) throw new Error(`${file}: expected a list under 'variants'`);
  const map = new Map<string, VariantEntry>();
  for (const [i, e] of entries.entries()) {
    if (!e || typeof e.id !== 'string' || typeof e.model !== 'string' || typeof e.text !== 'string' || !Array.isArray(e.explains)) {
      throw new Error(`${file}: variant #${i + 1} needs id, model, text and explains`);
    }
    map.set(e.id, e);
  }
  cached = map;
  return map;
}

/** The entries whose model is `model`, in catalogue order. */
export function entriesOf(model: string): VariantEntry[] {
  return [...catalogue().values()].filter((e) => e.model === model);
}

/** The entry `id` (a missing id is a programming error: the model functions name catalogue ids). */
export function entry(id: string): VariantEntry {
  const e = catalogue().get(id);
  if (!e) throw new Error(`unknown RoPE variant '${id}' (rubrics/variants/rope.yaml)`);
  return e;
}

/** The entry's text with {name} placeholders filled; unknown placeholders stay visible. */
export function fill(text: string, params: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}
