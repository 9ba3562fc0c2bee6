import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getByPointer, MAX_JSON_DEPTH, parseJsonLocated, pointerTokens } from '../../src/input/json.js';

const manifest = `{
  "experiment": "16-rope",
  "config": {
    "d_head": 32,
    "T": 32
  },
  "tags": ["a", {"deep": true}],
  "a/b": 1
}
`;

function syntaxError(text: string) {
  const result = parseJsonLocated(text, 'manifest.json');
  if (result.ok) throw new Error('expected a syntax error');
  return result;
}

describe('parseJsonLocated', () => {
  it('parses and locates JSON pointers at the key of the member', () => {
    const result = parseJsonLocated(manifest, 'manifest.json');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value).toMatchObject({ experiment: '16-rope', config: { d_head: 32 } });
    expect(result.locate('/config/d_head')).toEqual({ file: 'manifest.json', line: 4, column: 5, endLine: 4, endColumn: 13 });
    expect(result.locate('/tags/1/deep')).toMatchObject({ line: 7, column: 18 });
    expect(result.locate('/tags/0')).toMatchObject({ line: 7, column: 12 });
    expect(result.locate('/a~1b')).toMatchObject({ line: 8, column: 3 });
    expect(result.has('/config/T')).toBe(true);
  });

  it('finds keys set twice, at the repeat, and keeps the last value', () => {
    const result = parseJsonLocated('{"seed": 1,\n "config": {"T": 1, "T": 2},\n "seed": 0}', 'm.json');
    if (!result.ok) throw new Error('parse failed');
    expect(result.value).toEqual({ seed: 0, config: { T: 2 } });
    expect(result.duplicates).toEqual([
      { pointer: '/config/T', location: { file: 'm.json', line: 2, column: 21, endLine: 2, endColumn: 24 } },
      { pointer: '/seed', location: { file: 'm.json', line: 3, column: 2, endLine: 3, endColumn: 8 } },
    ]);
    expect(result.locate('/seed')).toMatchObject({ line: 3 });
  });

  it('falls back to the nearest existing parent for a missing path', () => {
    const result = parseJsonLocated(manifest, 'manifest.json');
    if (!result.ok) throw new Error('parse failed');
    expect(result.locate('/config/rope_base')).toMatchObject({ line: 3, column: 3 });
    expect(result.has('/config/rope_base')).toBe(false);
    expect(result.locate('/results_summary/x')).toMatchObject({ line: 1, column: 1 });
    expect(result.locate('')).toMatchObject({ line: 1, column: 1 });
  });

  it('locates a trailing comma in an object', () => {
    const text = readFileSync(new URL('../../fixtures/input/json/trailing-comma.json', import.meta.url), 'utf8');
    const error = syntaxError(text);
    expect(error.message).toBe("Unexpected token '}' at 4:1, expected a key (trailing comma after the last member?)");
    expect(error.location).toEqual({ file: 'manifest.json', line: 4, column: 1 });
  });

  it('explains a missing closing brace with where the object opened', () => {
    expect(syntaxError('{\n  "seed": 0,\n  "config": {"d_head": 16}\n').message).toBe(
      "Unexpected end of input at 3:27, expected '}' to close the object opened at 1:1",
    );
  });

  it('words other syntax errors "Unexpected X at L:C, expected Y"', () => {
    expect(syntaxError('{"a": }').message).toBe("Unexpected token '}' at 1:7, expected a value");
    expect(syntaxError('[1, 2,]').message).toBe("Unexpected token ']' at 1:7, expected a value (trailing comma after the last element?)");
    expect(syntaxError('{"a" 1}').message).toBe("Unexpected number at 1:6, expected ':'");
    expect(syntaxError('{"a": 1 "b": 2}').message).toBe("Unexpected string at 1:9, expected ',' or '}'");
    expect(syntaxError("{'a': 1}").message).toMatch(/^Unexpected character ''' at 1:2, expected a key in double quotes or '}'$/);
    expect(syntaxError('{"a": nope}').message).toBe("Unexpected identifier 'nope' at 1:7, expected a value (a string in double quotes, a number, true, false, null, an object or an array)");
    expect(syntaxError('{"a": "x}').message).toBe(`Unexpected end of input at 1:10, expected '"' to close the string opened at 1:7`);
    expect(syntaxError('').message).toBe('Unexpected end of input at 1:1, expected a value');
  });
});

describe('deeply nested JSON', () => {
  it('refuses nesting beyond MAX_JSON_DEPTH at the bracket that goes too deep, instead of overflowing the stack', () => {
    const error = syntaxError('{"experiment": "16-rope",\n "x": ' + '['.repeat(100_000) + ']'.repeat(100_000) + '}');
    expect(error.message).toBe(`nesting deeper than ${MAX_JSON_DEPTH} levels at 2:${7 + MAX_JSON_DEPTH - 1}, expected a flatter document`);
    expect(error.location).toEqual({ file: 'manifest.json', line: 2, column: 7 + MAX_JSON_DEPTH - 1 });
  });

  it('parses nesting up to the limit, and does not count brackets inside strings', () => {
    const deepest = '['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH);
    expect(parseJsonLocated(deepest, 'm.json').ok).toBe(true);
    const inStrings = parseJsonLocated(JSON.stringify({ note: '['.repeat(1000) + '\\"{'.repeat(1000) }), 'm.json');
    expect(inStrings.ok).toBe(true);
  });
});

describe('numbers a double cannot hold', () => {
  it('refuses a number literal that would parse as Infinity, at its position, instead of passing it on as null', () => {
    const error = syntaxError('{\n  "seed": 1e999999,\n  "ok": 1e308\n}');
    expect(error.message).toBe('Unexpected number 1e999999 at 2:11, expected a number a 64-bit float can hold (magnitude below 1.8e308)');
    expect(error.location).toEqual({ file: 'manifest.json', line: 2, column: 11 });
    expect(syntaxError('[[-' + '9'.repeat(400) + ']]').message).toMatch(/^Unexpected number -9{39}\.\.\. at 1:3, /);
    expect(parseJsonLocated('{"tiny": 1e-999, "big": 1.7e308}', 'm.json').ok).toBe(true);
  });
});

describe('syntax errors from Python habits', () => {
  it('names None, True, NaN and Infinity and what JSON wants instead', () => {
    expect(syntaxError('{"a": None}').message).toBe("Unexpected None at 1:7, expected null (Python's None is written null in JSON)");
    expect(syntaxError('{"a": True}').message).toBe('Unexpected True at 1:7, expected true (JSON booleans are lower-case)');
    expect(syntaxError('{\n  "diff": NaN\n}').message).toBe(
      "Unexpected NaN at 2:11, expected a number or null (JSON has no NaN or Infinity; Python's json.dump writes them for float('nan') and float('inf'))",
    );
    expect(syntaxError('[-Infinity]').message).toMatch(/^Unexpected -Infinity at 1:2, expected a number or null/);
  });
});

describe('JSON pointers', () => {
  it('splits and unescapes tokens', () => {
    expect(pointerTokens('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(pointerTokens('')).toEqual([]);
  });

  it('reads values and tells missing from null', () => {
    const value = { a: { b: null }, xs: [1, 2] };
    expect(getByPointer(value, '/a/b')).toEqual({ found: true, value: null });
    expect(getByPointer(value, '/a/c')).toEqual({ found: false });
    expect(getByPointer(value, '/xs/1')).toEqual({ found: true, value: 2 });
    expect(getByPointer(value, '/xs/2')).toEqual({ found: false });
    expect(getByPointer(value, '/a/b/c')).toEqual({ found: false });
  });
});
