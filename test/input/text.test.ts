import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeText, repairMojibake, utf8SequenceLength } from '../../src/input/text.js';
import type { TextFile } from '../../src/input/files.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/input/${name}`, import.meta.url));
const utf8 = (s: string) => new TextEncoder().encode(s);

function decodeOk(bytes: Uint8Array, path: string): TextFile {
  const result = decodeText(bytes, path);
  if (!result.ok) throw new Error(`expected text, got ${result.problem}: ${result.message}`);
  return result;
}

describe('decodeText', () => {
  it('repairs the real double-encoded findings document', () => {
    const file = decodeOk(fixture('curriculum-verification-findings.md'), 'findings.md');
    expect(file.text).toContain('✅ ACCURATE');
    expect(file.text).toContain('θᵢ = 1 / (base^(2i/d))');
    expect(file.text).toContain('🔧');
    expect(file.text).not.toContain('â');
    expect(file.text).not.toContain('Ã');
    const warning = file.notices.find((n) => n.level === 'warning');
    expect(warning?.message).toContain('repaired double-encoded UTF-8 (mojibake)');
    expect(warning?.message).toContain('first at line 15:26: `âœ…` -> `✅`');
    expect(warning?.location).toEqual({ file: 'findings.md', line: 15, column: 26 });
    // Line structure is unchanged by the repair.
    expect(file.text.split('\n')[14]).toBe('### Verification Status: ✅ ACCURATE with opportunities for enhancement');
  });

  it('repairs mojibake run by run and leaves good text in the same file alone', () => {
    const file = decodeOk(fixture('mixed-mojibake.md'), 'mixed.md');
    expect(file.text).toBe('Status: ✅ fine, θ = 1/base, naïve café.\nBroken: ✅ and 🔧 and θᵢ here.\n');
    expect(file.notices).toHaveLength(1);
    expect(file.notices[0]!.message).toContain('(4 sequences), first at line 2:9: `âœ…` -> `✅`');
    expect(file.notices[0]!.location).toMatchObject({ line: 2, column: 9 });
  });

  it('leaves legitimate Latin-1 text untouched and says nothing', () => {
    const file = decodeOk(fixture('latin1-legit.md'), 'latin1.md');
    expect(file.text).toContain('A naïve reader, Señor García, speaks Español.');
    expect(file.text).toContain('CAFÉ—NAÏVE is shouted.');
    expect(file.notices).toEqual([]);
  });

  it('decodes invalid UTF-8 as Windows-1252 with a located warning', () => {
    const file = decodeOk(fixture('cp1252.txt'), 'notes.txt');
    expect(file.text).toBe('Café crème — “quoted”\n');
    expect(file.notices).toHaveLength(1);
    expect(file.notices[0]).toMatchObject({ level: 'warning', location: { file: 'notes.txt', line: 1, column: 4 } });
    expect(file.notices[0]!.message).toContain('not valid UTF-8 (byte 0xE9 at 1:4)');
  });

  it('keeps valid UTF-8 sequences when a file mixes them with stray Latin-1 bytes', () => {
    const file = decodeOk(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xe2, 0x9c, 0x85]), 'x.txt');
    expect(file.text).toBe('café\n✅');
  });

  it('strips a UTF-8 BOM and turns CRLF and lone CR into LF, one notice each', () => {
    const file = decodeOk(fixture('bom-crlf.md'), 'README.md');
    expect(file.text).toBe('# Title\n\nLine two\nold mac line\nend\n');
    expect(file.notices.map((n) => n.level)).toEqual(['info', 'info']);
    expect(file.notices[0]!.message).toContain('byte-order mark');
    expect(file.notices[1]!.message).toContain('CRLF');
  });

  it('decodes UTF-16 LE and BE with a byte-order mark', () => {
    for (const name of ['utf16le.md', 'utf16be.md']) {
      const file = decodeOk(fixture(name), name);
      expect(file.text).toBe('# Héllo θ\n');
      expect(file.notices[0]!.message).toMatch(/UTF-16 (LE|BE)/);
    }
  });

  it('refuses binary content with the offset of the NUL byte', () => {
    const result = decodeText(fixture('binary-nul.md'), 'README.md');
    expect(result).toEqual({
      ok: false,
      path: 'README.md',
      problem: 'binary',
      message: 'README.md looks binary (NUL byte at offset 11); expected UTF-8 Markdown',
    });
  });

  it('refuses content made mostly of control characters', () => {
    const result = decodeText(fixture('controls.txt'), 'verify_output.txt');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/^verify_output\.txt looks binary \(\d+% control characters\); expected UTF-8 text$/);
  });

  it('accepts terminal colour codes and tabs in captured output', () => {
    const file = decodeOk(utf8('\u001b[32mPASS\u001b[0m\tmax diff 4.4e-16\n'), 'verify_output.txt');
    expect(file.text).toContain('PASS');
  });

  it('removes a byte-order mark that was double-encoded with the rest', () => {
    const file = decodeOk(utf8('\u00EF\u00BB\u00BF# Title \u00E2\u0153\u2026\n'), 'README.md');
    expect(file.text).toBe('# Title ✅\n');
    expect(file.notices.map((n) => n.level)).toEqual(['warning', 'info']);
  });

  it('decodes an empty file to empty text', () => {
    expect(decodeOk(new Uint8Array(), 'empty.md').text).toBe('');
  });
});

describe('repairMojibake', () => {
  it('repairs two-, three- and four-byte sequences and text double-encoded twice', () => {
    expect(repairMojibake('Ã— and Ã©').text).toBe('× and é');
    expect(repairMojibake('â€” dash').text).toBe('— dash');
    expect(repairMojibake('ðŸ”§').text).toBe('🔧');
    // 'é' double-encoded twice: é -> Ã© -> ÃƒÂ©.
    expect(repairMojibake('ÃƒÂ©').text).toBe('é');
  });

  it('handles the five bytes Windows-1252 leaves undefined (C1 controls in mojibake)', () => {
    // U+00C1 'Á' is C3 81; 0x81 decodes to U+0081.
    expect(repairMojibake('\u00C3\u0081').text).toBe('Á');
  });

  it('does not touch text without mojibake', () => {
    const result = repairMojibake('naïve café, Señor, Español, 10 °C, ±1, CAFÉ—NAÏVE');
    expect(result.count).toBe(0);
    expect(result.text).toBe('naïve café, Señor, Español, 10 °C, ±1, CAFÉ—NAÏVE');
  });
});

describe('utf8SequenceLength', () => {
  it('accepts valid sequences and refuses overlong or surrogate forms', () => {
    expect(utf8SequenceLength([0xc3, 0xa9], 0)).toBe(2);
    expect(utf8SequenceLength([0xe2, 0x9c, 0x85], 0)).toBe(3);
    expect(utf8SequenceLength([0xf0, 0x9f, 0x94, 0xa7], 0)).toBe(4);
    expect(utf8SequenceLength([0xc0, 0x80], 0)).toBe(0);
    expect(utf8SequenceLength([0xed, 0xa0, 0x80], 0)).toBe(0);
    expect(utf8SequenceLength([0xe9, 0x76], 0)).toBe(0);
  });
});
