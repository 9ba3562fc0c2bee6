/**
 * Input hygiene for text files handed in by learners and authors.
 *
 * `decodeText` turns raw bytes into the text every check sees:
 *
 * - a UTF-8 byte-order mark is removed (info notice); UTF-16 LE/BE with a BOM is decoded;
 * - CRLF and lone CR become LF (one info notice per file);
 * - double-encoded UTF-8 ("mojibake": UTF-8 bytes mis-decoded as Windows-1252 and
 *   re-encoded, e.g. `âœ…` for `✅`) is repaired sequence by sequence, leaving
 *   legitimate Latin-1 text such as "café" or "Señor" alone (warning notice,
 *   located at the first repair);
 * - bytes that are not valid UTF-8 are decoded as Windows-1252 (warning notice);
 * - binary content (a NUL byte, or many control characters) is refused with a
 *   `binary` failure rather than decoded into garbage.
 *
 * Columns in locations count UTF-16 code units of the decoded text, like every
 * other location in rubricate.
 */
import type { Location, Notice } from '../core/types.js';
import type { FileFailure, ReadTextResult } from './files.js';

/** Share of control bytes (other than tab, LF, CR, FF, VT, ESC) above which a file counts as binary. */
export const CONTROL_SHARE_LIMIT = 0.1;
/** How many leading bytes the binary sniffing looks at. */
const SNIFF_BYTES = 64 * 1024;

/** Decodes one text file with the hygiene described above. `path` is relative to the submission root. */
export function decodeText(bytes: Uint8Array, path: string): ReadTextResult {
  const notices: Notice[] = [];
  let text: string;

  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) {
    text = new TextDecoder('utf-16le').decode(bytes.subarray(2));
    notices.push({ level: 'info', message: `${path} is UTF-16 LE (byte-order mark); decoded it as such`, location: { file: path } });
  } else if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) {
    text = new TextDecoder('utf-16be').decode(bytes.subarray(2));
    notices.push({ level: 'info', message: `${path} is UTF-16 BE (byte-order mark); decoded it as such`, location: { file: path } });
  } else {
    const binary = sniffBinary(bytes, path);
    if (binary) return binary;
    let body = bytes;
    if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
      body = bytes.subarray(3);
      notices.push({ level: 'info', message: `removed the UTF-8 byte-order mark at the start of ${path}`, location: { file: path, line: 1, column: 1 } });
    }
    const decoded = decodeUtf8Lenient(body);
    text = decoded.text;
    if (decoded.firstInvalid !== undefined) {
      const { line, column } = lineColumn(text, decoded.firstInvalid.index);
      notices.push({
        level: 'warning',
        message: `${path} is not valid UTF-8 (byte 0x${hex(decoded.firstInvalid.byte)} at ${line}:${column}); decoded the invalid bytes as Windows-1252`,
        location: { file: path, line, column },
      });
    }
  }

  if (text.includes('\r')) {
    text = text.replace(/\r\n?/g, '\n');
    notices.push({ level: 'info', message: `converted CRLF (or CR) line endings to LF in ${path}`, location: { file: path } });
  }

  const repaired = repairMojibake(text);
  if (repaired.first) {
    const { original, replacement, index } = repaired.first;
    const { line, column } = lineColumn(text, index);
    const location: Location = { file: path, line, column };
    const more = repaired.count > 1 ? ` (${repaired.count} sequences)` : '';
    notices.push({
      level: 'warning',
      message: `repaired double-encoded UTF-8 (mojibake) in ${path}${more}, first at line ${line}:${column}: \`${original}\` -> \`${replacement}\``,
      location,
    });
    text = repaired.text;
  }
  // A byte-order mark that was itself double-encoded ("ï»¿") comes back as U+FEFF.
  if (text.startsWith('\uFEFF')) {
    text = text.slice(1);
    notices.push({ level: 'info', message: `removed the byte-order mark at the start of ${path}`, location: { file: path, line: 1, column: 1 } });
  }

  return { ok: true, path, text, notices };
}

/** Result of `repairMojibake`: the repaired text and where the first repair happened (index in the input). */
export interface MojibakeRepair {
  text: string;
  count: number;
  first?: { index: number; original: string; replacement: string };
}

/**
 * Repairs UTF-8 text that was decoded as Windows-1252 and encoded again.
 * Works on runs of non-ASCII characters that Windows-1252 can represent: inside a
 * run, every byte sequence that is valid multi-byte UTF-8 is decoded; other
 * characters stay as they are, so good text, legitimate Latin-1 ("naïve") and
 * mojibake can share a file. Applied twice at most (text double-encoded twice).
 */
export function repairMojibake(input: string): MojibakeRepair {
  const firstPass = repairOnce(input);
  if (firstPass.count === 0) return firstPass;
  const secondPass = repairOnce(firstPass.text);
  if (secondPass.count === 0) return firstPass;
  // Report the first location in the original text; the second pass only makes it better.
  return { text: secondPass.text, count: firstPass.count, ...(firstPass.first ? { first: firstPass.first } : {}) };
}

function repairOnce(input: string): MojibakeRepair {
  let count = 0;
  let first: MojibakeRepair['first'];
  const text = input.replace(cp1252.runPattern, (run: string, index: number) => {
    const bytes = Array.from(run, (ch) => cp1252.toByte.get(ch)!);
    let out = '';
    let k = 0;
    while (k < bytes.length) {
      const len = utf8SequenceLength(bytes, k);
      if (len >= 2) {
        const decoded = utf8Decoder.decode(Uint8Array.from(bytes.slice(k, k + len)));
        if (plausible(decoded, len)) {
          if (!first) first = { index: index + k, original: run.slice(k, k + len), replacement: decoded };
          count++;
          out += decoded;
          k += len;
          continue;
        }
      }
      out += run[k];
      k++;
    }
    return out;
  });
  return { text, count, ...(first ? { first } : {}) };
}

/**
 * Guards two-byte repairs against legitimate Latin-1 pairs such as "É—" (which
 * would otherwise become the IPA letter U+0257): C1 controls, IPA and spacing
 * modifier letters are never what a learner meant.
 */
function plausible(decoded: string, byteLength: number): boolean {
  if (byteLength > 2) return true;
  const cp = decoded.codePointAt(0)!;
  if (cp >= 0x80 && cp <= 0x9f) return false;
  if (cp >= 0x250 && cp <= 0x2ff) return false;
  return true;
}

/** Length of the valid UTF-8 multi-byte sequence starting at `i` (2-4), or 0 when there is none. */
export function utf8SequenceLength(bytes: ArrayLike<number>, i: number): number {
  const b0 = bytes[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf) => {
    const b = bytes[i + k];
    return b !== undefined && b >= lo && b <= hi;
  };
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 === 0xe0) return cont(1, 0xa0) && cont(2) ? 3 : 0;
  if ((b0 >= 0xe1 && b0 <= 0xec) || b0 === 0xee || b0 === 0xef) return cont(1) && cont(2) ? 3 : 0;
  if (b0 === 0xed) return cont(1, 0x80, 0x9f) && cont(2) ? 3 : 0;
  if (b0 === 0xf0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (b0 >= 0xf1 && b0 <= 0xf3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (b0 === 0xf4) return cont(1, 0x80, 0x8f) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

/**
 * Decodes UTF-8; bytes that do not form valid UTF-8 are decoded as Windows-1252
 * one by one, so one stray Latin-1 byte does not spoil the rest of the file.
 */
export function decodeUtf8Lenient(bytes: Uint8Array): { text: string; firstInvalid?: { byte: number; index: number } } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes) };
  } catch {
    // Fall through to the lenient decoder.
  }
  const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  const parts: string[] = [];
  let length = 0;
  let firstInvalid: { byte: number; index: number } | undefined;
  let start = 0;
  let i = 0;
  const flush = (end: number) => {
    if (end > start) {
      const s = utf8.decode(bytes.subarray(start, end));
      parts.push(s);
      length += s.length;
    }
  };
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const len = utf8SequenceLength(bytes, i);
    if (len > 0) {
      i += len;
      continue;
    }
    flush(i);
    const ch = cp1252.fromByte[b]!;
    if (!firstInvalid) firstInvalid = { byte: b, index: length };
    parts.push(ch);
    length += ch.length;
    i++;
    start = i;
  }
  flush(bytes.length);
  return { text: parts.join(''), ...(firstInvalid ? { firstInvalid } : {}) };
}

/** Refuses content that is not text: a NUL byte, or a high share of control characters. */
export function sniffBinary(bytes: Uint8Array, path: string): FileFailure | undefined {
  const end = Math.min(bytes.length, SNIFF_BYTES);
  let controls = 0;
  for (let i = 0; i < end; i++) {
    const b = bytes[i]!;
    if (b === 0) {
      return { ok: false, path, problem: 'binary', message: `${path} looks binary (NUL byte at offset ${i}); expected ${expectedText(path)}` };
    }
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x0b && b !== 0x1b) || b === 0x7f) controls++;
  }
  if (end > 0 && controls / end > CONTROL_SHARE_LIMIT) {
    const percent = Math.round((100 * controls) / end);
    return { ok: false, path, problem: 'binary', message: `${path} looks binary (${percent}% control characters); expected ${expectedText(path)}` };
  }
  return undefined;
}

/** What kind of text a path should hold, for messages: "UTF-8 Markdown", "UTF-8 Python source"... */
export function expectedText(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  const names: Record<string, string> = {
    md: 'UTF-8 Markdown',
    markdown: 'UTF-8 Markdown',
    py: 'UTF-8 Python source',
    json: 'UTF-8 JSON',
    txt: 'UTF-8 text',
    yaml: 'UTF-8 YAML',
    yml: 'UTF-8 YAML',
    rs: 'UTF-8 Rust source',
    toml: 'UTF-8 TOML',
  };
  return names[ext] ?? 'UTF-8 text';
}

/** 1-based line and column (UTF-16 code units) of a string index. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: index - lineStart + 1 };
}

function hex(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}

/**
 * Windows-1252 bytes 0x80-0x9F, as in the WHATWG encoding index. Bytes 0x81,
 * 0x8D, 0x8F, 0x90 and 0x9D have no character; WHATWG maps them to the C1
 * controls U+0081..., which is also what mojibake holds, so the tables keep them.
 * Written out because Node 20's `TextDecoder('windows-1252')` decodes this
 * range as Latin-1 (C1 controls throughout).
 */
const CP1252_80_9F =
  '\u20AC\u0081\u201A\u0192\u201E\u2026\u2020\u2021\u02C6\u2030\u0160\u2039\u0152\u008D\u017D\u008F' +
  '\u0090\u2018\u2019\u201C\u201D\u2022\u2013\u2014\u02DC\u2122\u0161\u203A\u0153\u009D\u017E\u0178';

/** Windows-1252 tables: bytes 0x00-0x7F and 0xA0-0xFF are Latin-1 (from the decoder), 0x80-0x9F from the index above. */
function buildCp1252Tables(): { fromByte: string[]; toByte: Map<string, number>; runPattern: RegExp } {
  const decoder = new TextDecoder('windows-1252');
  const fromByte: string[] = [];
  const toByte = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    const ch = b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : decoder.decode(Uint8Array.of(b));
    fromByte.push(ch);
    toByte.set(ch, b);
  }
  // Maximal runs of non-ASCII characters that Windows-1252 can represent (all of them are BMP characters).
  const nonAscii = fromByte.slice(0x80).map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
  return { fromByte, toByte, runPattern: new RegExp(`[${nonAscii}]+`, 'g') };
}

const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const cp1252 = buildCp1252Tables();
