/**
 * YAML with locations, for the files instructors write (rubrics, curricula):
 * syntax errors and data that cannot be built come back as located
 * problems, never as exceptions.
 */
import { readFile } from 'node:fs/promises';
import { isAlias, LineCounter, parseDocument, visit, type Document } from 'yaml';
import { decodeText } from '../input/text.js';
import type { Location } from './types.js';

export interface YamlProblem {
  message: string;
  location: Location;
}

export type ParsedYaml =
  | { ok: true; doc: Document; data: unknown; at(offset: number | undefined): Location }
  | { ok: false; problems: YamlProblem[] };

/** Parses YAML text (BOM and CRLF tolerated; keys unique); `file` is the name locations show. */
export function parseYamlLocated(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'), { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number | undefined): Location => {
    if (offset === undefined) return { file };
    const pos = lineCounter.linePos(offset);
    return { file, line: pos.line, column: pos.col };
  };
  if (doc.errors.length > 0) {
    return { ok: false, problems: doc.errors.map((e) => ({ message: `YAML syntax: ${firstLine(e.message)}`, location: at(e.pos[0]) })) };
  }
  try {
    return { ok: true, doc, data: doc.toJS(), at };
  } catch (error) {
    // The yaml package refuses aliases that expand exponentially ("billion laughs").
    return { ok: false, problems: [{ message: `YAML aliases: ${firstLine(error instanceof Error ? error.message : String(error))}`, location: at(firstAliasOffset(doc)) }] };
  }
}

/**
 * Reads a YAML file as text the way submissions are read: UTF-16 (with its
 * byte-order mark, as Windows editors save "Unicode"), a UTF-8 BOM and CRLF
 * are decoded; a binary file is a problem. `file` is the name problems show.
 */
export async function readYamlText(path: string, file: string): Promise<{ ok: true; text: string } | { ok: false; problems: YamlProblem[] }> {
  const decoded = decodeText(await readFile(path), file);
  return decoded.ok ? { ok: true, text: decoded.text } : { ok: false, problems: [{ message: decoded.message, location: { file } }] };
}

function firstAliasOffset(doc: Document): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (isAlias(node)) offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
