/**
 * Finding an experiment's files in a submission: a rubric names each file by
 * alternatives, `experiments/16-pe-compare/spec.md` (that path) or
 * `spec.md` (a file of that name in any folder, the shallowest first, names
 * compared without letter case). A name ending in `/` is a folder: every
 * file under a folder of that name.
 */
import type { CheckContext } from '../checks/kind.js';

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function depth(path: string): number {
  return path.split('/').length;
}

/** Files of `list` that a pattern names (see the module comment), shallowest first. */
export function filesNamed(list: readonly string[], pattern: string): string[] {
  const wanted = pattern.replace(/^\.\//, '');
  if (wanted.endsWith('/')) {
    const folder = wanted.slice(0, -1).toLowerCase();
    const inFolder = (p: string) => {
      const parts = p.toLowerCase().split('/').slice(0, -1);
      return folder.includes('/') ? p.toLowerCase().startsWith(`${folder}/`) : parts.includes(folder);
    };
    return list.filter(inFolder).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
  }
  if (wanted.includes('/')) return list.filter((p) => p === wanted || p.toLowerCase() === wanted.toLowerCase());
  return list.filter((p) => baseName(p).toLowerCase() === wanted.toLowerCase()).sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

/** The first file any of the alternatives names, in the order given. */
export async function findFile(ctx: CheckContext, alternatives: readonly string[]): Promise<string | undefined> {
  const list = await ctx.memo('experiment:file-list', () => ctx.files.list().catch(() => [] as string[]));
  for (const alt of alternatives) {
    const found = filesNamed(list, alt);
    if (found.length > 0) return found[0];
  }
  return undefined;
}

/** Every file the alternatives name, each once, in the order found. */
export async function findFiles(ctx: CheckContext, alternatives: readonly string[]): Promise<string[]> {
  const list = await ctx.memo('experiment:file-list', () => ctx.files.list().catch(() => [] as string[]));
  const out: string[] = [];
  for (const alt of alternatives) for (const f of filesNamed(list, alt)) if (!out.includes(f)) out.push(f);
  return out;
}

/** "spec.md" or "spec.md, experiment/spec.md or SPEC.md" for messages. */
export function listAlternatives(alternatives: readonly string[]): string {
  if (alternatives.length <= 1) return alternatives[0] ?? '';
  return `${alternatives.slice(0, -1).join(', ')} or ${alternatives[alternatives.length - 1]}`;
}
