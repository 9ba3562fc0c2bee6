/**
 * JSON with locations: parses with @humanwhocodes/momoa so that every finding
 * about a JSON file (a syntax error, a schema violation, a broken constraint)
 * points at a line and column.
 */
import { evaluate, parse, type AnyNode, type DocumentNode } from '@humanwhocodes/momoa';
import type { Location } from '../core/types.js';
import { lineColumn } from './text.js';

export interface JsonParsed {
  ok: true;
  value: unknown;
  /**
   * Location of a JSON pointer (`/config/d_head`): the member's key when the
   * pointer ends in an object member, the element for an array index, the
   * nearest existing parent when the path does not exist.
   */
  locate(pointer: string): Location;
  /** True when the pointer names an existing value. */
  has(pointer: string): boolean;
  /** Keys that appear twice in one object (the last one counts, as in JSON.parse), located at the repeat. */
  duplicates: Array<{ pointer: string; location: Location }>;
}

export interface JsonSyntaxError {
  ok: false;
  /** "Unexpected token '}' at 7:3, expected a key (trailing comma after the last member?)". */
  message: string;
  location: Location;
}

export type JsonParseResult = JsonParsed | JsonSyntaxError;

/**
 * Arrays and objects nested deeper than this are refused before parsing: the
 * parser and the walks over its tree recurse, and a few hundred kilobytes of
 * '[' overflow the stack. A manifest is three or four levels deep.
 */
export const MAX_JSON_DEPTH = 256;

export function parseJsonLocated(text: string, file: string): JsonParseResult {
  const tooDeep = nestingBeyond(text, MAX_JSON_DEPTH);
  if (tooDeep !== undefined) {
    const { line, column } = lineColumn(text, tooDeep);
    return { ok: false, message: `nesting deeper than ${MAX_JSON_DEPTH} levels at ${line}:${column}, expected a flatter document`, location: { file, line, column } };
  }
  let doc: DocumentNode;
  try {
    doc = parse(text, { mode: 'json' });
  } catch (error) {
    const e = error as { message?: string; line?: number; column?: number; offset?: number };
    const line = e.line ?? 1;
    const column = e.column ?? 1;
    const offset = e.offset ?? offsetOf(text, line, column);
    return { ok: false, message: describeSyntaxError(text, e.message ?? 'invalid JSON', offset, line, column), location: { file, line, column } };
  }
  const huge = firstNonFinite(doc.body);
  if (huge) {
    const { line, column } = huge.loc.start;
    const literal = text.slice(huge.loc.start.offset, huge.loc.end.offset);
    return {
      ok: false,
      message: `Unexpected number ${literal.length > 40 ? `${literal.slice(0, 40)}...` : literal} at ${line}:${column}, expected a number a 64-bit float can hold (magnitude below 1.8e308)`,
      location: { file, line, column },
    };
  }
  const value = evaluate(doc.body);
  const rootLocation = (): Location => locOf(file, doc.body);
  return {
    ok: true,
    value,
    locate(pointer: string): Location {
      const found = walk(doc.body, pointer);
      return found.node ? locOf(file, found.node) : rootLocation();
    },
    has(pointer: string): boolean {
      return walk(doc.body, pointer).exact;
    },
    duplicates: findDuplicates(doc.body, '', file),
  };
}

/** The first number literal too large for a double (JSON.parse would give Infinity, which schemas and messages show as null). */
function firstNonFinite(node: AnyNode): AnyNode | undefined {
  if (node.type === 'Number') return Number.isFinite(node.value) ? undefined : node;
  if (node.type === 'Object') {
    for (const member of node.members) {
      const found = firstNonFinite(member.value);
      if (found) return found;
    }
  } else if (node.type === 'Array') {
    for (const element of node.elements) {
      const found = firstNonFinite(element.value);
      if (found) return found;
    }
  }
  return undefined;
}

function findDuplicates(node: AnyNode, pointer: string, file: string): Array<{ pointer: string; location: Location }> {
  const out: Array<{ pointer: string; location: Location }> = [];
  if (node.type === 'Object') {
    const seen = new Set<string>();
    for (const member of node.members) {
      const key = member.name.type === 'String' ? member.name.value : member.name.name;
      const child = `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      if (seen.has(key)) out.push({ pointer: child, location: locOf(file, member.name) });
      seen.add(key);
      out.push(...findDuplicates(member.value, child, file));
    }
  } else if (node.type === 'Array') {
    node.elements.forEach((element, index) => out.push(...findDuplicates(element.value, `${pointer}/${index}`, file)));
  }
  return out;
}

/** Splits a JSON pointer into unescaped tokens ("" is the whole document). */
export function pointerTokens(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  const body = pointer.startsWith('/') ? pointer.slice(1) : pointer;
  return body.split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Reads a value by JSON pointer; `found` is false when the path does not exist. */
export function getByPointer(value: unknown, pointer: string): { found: boolean; value?: unknown } {
  let current: unknown = value;
  for (const token of pointerTokens(pointer)) {
    if (Array.isArray(current)) {
      const index = Number(token);
      if (!/^\d+$/.test(token) || index >= current.length) return { found: false };
      current = current[index];
    } else if (current !== null && typeof current === 'object' && Object.prototype.hasOwnProperty.call(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: current };
}

/** Follows a pointer through the AST; returns the deepest node reached and whether the whole path exists. */
function walk(root: AnyNode, pointer: string): { node: AnyNode | undefined; exact: boolean } {
  let node: AnyNode = root;
  let located: AnyNode = root;
  for (const token of pointerTokens(pointer)) {
    if (node.type === 'Object') {
      const member = node.members.filter((m) => (m.name.type === 'String' ? m.name.value : m.name.name) === token).at(-1);
      if (!member) return { node: located, exact: false };
      located = member.name;
      node = member.value;
    } else if (node.type === 'Array') {
      const element = /^\d+$/.test(token) ? node.elements[Number(token)] : undefined;
      if (!element) return { node: located, exact: false };
      located = element.value;
      node = element.value;
    } else {
      return { node: located, exact: false };
    }
  }
  return { node: located, exact: true };
}

function locOf(file: string, node: AnyNode): Location {
  const loc = node.loc;
  return { file, line: loc.start.line, column: loc.start.column, endLine: loc.end.line, endColumn: loc.end.column };
}

const TOKEN_NAMES: Record<string, string> = {
  LBrace: "'{'",
  RBrace: "'}'",
  LBracket: "'['",
  RBracket: "']'",
  Comma: "','",
  Colon: "':'",
};

/** Rewrites momoa's "Unexpected token RBrace found. (7:3)" as "Unexpected token '}' at 7:3, expected ...". */
function describeSyntaxError(text: string, raw: string, offset: number, line: number, column: number): string {
  const context = scanContext(text, offset);
  const at = `at ${line}:${column}`;
  const python = /^(-?NaN|-?Infinity|None|True|False)\b/.exec(text.slice(offset, offset + 10));
  if (python) {
    const word = python[1]!;
    if (word === 'None') return `Unexpected None ${at}, expected null (Python's None is written null in JSON)`;
    if (word === 'True' || word === 'False') return `Unexpected ${word} ${at}, expected ${word.toLowerCase()} (JSON booleans are lower-case)`;
    return `Unexpected ${word} ${at}, expected a number or null (JSON has no NaN or Infinity; Python's json.dump writes them for float('nan') and float('inf'))`;
  }
  const token = /Unexpected token (\w+)/.exec(raw);
  const ident = /Unexpected identifier '([^']*)'/.exec(raw);
  const character = /Unexpected character '(.)'/su.exec(raw);
  let found: string;
  if (/end of input/i.test(raw)) found = 'end of input';
  else if (token) found = TOKEN_NAMES[token[1]!] ? `token ${TOKEN_NAMES[token[1]!]}` : token[1]!.toLowerCase();
  else if (ident) found = `identifier '${ident[1]}'`;
  else if (character) found = `character '${character[1]}'`;
  else found = raw.replace(/\s*\(\d+:\d+\)\s*$/, '').replace(/\.$/, '').replace(/^Unexpected /i, '');

  let expected: string;
  const top = context.stack.at(-1);
  if (found === 'end of input' && context.openString) {
    expected = `expected '"' to close the string opened at ${context.openString.line}:${context.openString.column}`;
  } else if (found === 'end of input') {
    expected = top
      ? `expected '${top.char === '{' ? '}' : ']'}' to close the ${top.char === '{' ? 'object' : 'array'} opened at ${top.line}:${top.column}`
      : 'expected a value';
  } else if (context.last === ',' && top?.char === '{') {
    expected = 'expected a key (trailing comma after the last member?)';
  } else if (context.last === ',' && top?.char === '[') {
    expected = 'expected a value (trailing comma after the last element?)';
  } else if (context.last === ':' || context.last === '[' || context.last === '') {
    expected = 'expected a value';
  } else if (context.last === '{') {
    expected = "expected a key in double quotes or '}'";
  } else if (top?.char === '{') {
    expected = context.afterKey ? "expected ':'" : "expected ',' or '}'";
  } else if (top?.char === '[') {
    expected = "expected ',' or ']'";
  } else {
    expected = 'expected the end of the document';
  }
  if ((ident || character) && expected === 'expected a value') expected = 'expected a value (a string in double quotes, a number, true, false, null, an object or an array)';
  return `Unexpected ${found} ${at}, ${expected}`;
}

/** Scans the text up to an offset: open brackets, the last significant character, whether a key just ended. */
function scanContext(
  text: string,
  offset: number,
): { stack: Array<{ char: string; line: number; column: number }>; last: string; afterKey: boolean; openString?: { line: number; column: number } } {
  const stack: Array<{ char: string; line: number; column: number }> = [];
  let last = '';
  let afterKey = false;
  let line = 1;
  let column = 1;
  let inString = false;
  let stringStartLast = '';
  let stringStart = { line: 1, column: 1 };
  for (let i = 0; i < Math.min(offset, text.length); i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') {
        i++;
        column++;
      } else if (ch === '"') {
        inString = false;
        last = '"';
        // A string right after '{' or ',' inside an object is a key.
        afterKey = stack.at(-1)?.char === '{' && (stringStartLast === '{' || stringStartLast === ',');
      }
    } else if (ch === '"') {
      inString = true;
      stringStartLast = last;
      stringStart = { line, column };
    } else if (ch === '{' || ch === '[') {
      stack.push({ char: ch, line, column });
      last = ch;
      afterKey = false;
    } else if (ch === '}' || ch === ']') {
      stack.pop();
      last = ch;
      afterKey = false;
    } else if (!/\s/.test(ch)) {
      if (ch === ',' || ch === ':') afterKey = false;
      last = /[,:]/.test(ch) ? ch : 'v';
    }
    if (ch === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { stack, last, afterKey, ...(inString ? { openString: stringStart } : {}) };
}

function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let l = 1; l < line; l++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return offset + column - 1;
}

/** The offset of the first '[' or '{' (outside strings) that opens level `max + 1`, or undefined. */
function nestingBeyond(text: string, max: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return i;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return undefined;
}
