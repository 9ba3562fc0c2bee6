/**
 * PNG inspection for handed-in plots: is it really a PNG, how big, and is
 * anything drawn on it?
 *
 * "Blank" means a single colour, or "ink" (pixels that differ clearly from the
 * dominant background colour, after compositing transparency over white) under
 * `BLANK_INK_FRACTION` of the image. A matplotlib figure with axes and two
 * curves has well over 1% ink; an empty white canvas has none.
 */
import { crc32, inflateSync } from 'node:zlib';
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** Below this share of ink pixels an image counts as blank. */
export const BLANK_INK_FRACTION = 0.001;
/** A pixel is ink when one channel differs from the background by more than this (0-255). */
const INK_THRESHOLD = 32;

export interface PngInfo {
  ok: true;
  width: number;
  height: number;
  /** PNG colour type: 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  colorType: number;
  blank: boolean;
  /** Distinct colours after compositing over white. */
  distinctColours: number;
  /** Share of pixels that differ from the dominant colour, in [0, 1]. */
  inkFraction: number;
}

/** On failure, `message` is a predicate to follow the file name: "<file> is not a PNG image (...)". */
export type PngInspection = PngInfo | { ok: false; message: string };

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function inspectPng(bytes: Uint8Array): PngInspection {
  if (bytes.length === 0) return { ok: false, message: 'an empty file' };
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return { ok: false, message: `not a PNG image (${sniffFormat(bytes)})` };

  let image: { width: number; height: number; data: Buffer };
  let colorType = -1;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    colorType = buffer.length > 25 ? buffer[25]! : -1;
    image = decodeCommon(buffer) ?? PNG.sync.read(buffer);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `a broken PNG image (${describePngError(reason)}); re-save the figure` };
  }
  const { width, height, data } = image;
  if (width < 2 || height < 2) return { ok: false, message: `a ${width}x${height} pixel PNG, too small to show anything` };

  const pixels = width * height;
  const counts = new Map<number, number>();
  const composite = new Uint32Array(pixels);
  // Count colours run by run: plots are mostly long runs of background.
  let runKey = -1;
  let runLength = 0;
  for (let p = 0; p < pixels; p++) {
    const o = p * 4;
    const alpha = data[o + 3]!;
    let key: number;
    if (alpha === 255) {
      key = (data[o]! << 16) | (data[o + 1]! << 8) | data[o + 2]!;
    } else {
      const a = alpha / 255;
      const r = Math.round(data[o]! * a + 255 * (1 - a));
      const g = Math.round(data[o + 1]! * a + 255 * (1 - a));
      const b = Math.round(data[o + 2]! * a + 255 * (1 - a));
      key = (r << 16) | (g << 8) | b;
    }
    composite[p] = key;
    if (key === runKey) {
      runLength++;
    } else {
      if (runLength > 0) counts.set(runKey, (counts.get(runKey) ?? 0) + runLength);
      runKey = key;
      runLength = 1;
    }
  }
  counts.set(runKey, (counts.get(runKey) ?? 0) + runLength);
  let background = 0;
  let best = -1;
  for (const [key, count] of counts) {
    if (count > best) {
      best = count;
      background = key;
    }
  }
  const br = (background >> 16) & 0xff;
  const bg = (background >> 8) & 0xff;
  const bb = background & 0xff;
  let ink = 0;
  for (let p = 0; p < pixels; p++) {
    const key = composite[p]!;
    if (key === background) continue;
    const dr = Math.abs(((key >> 16) & 0xff) - br);
    const dg = Math.abs(((key >> 8) & 0xff) - bg);
    const db = Math.abs((key & 0xff) - bb);
    if (Math.max(dr, dg, db) > INK_THRESHOLD) ink++;
  }
  const inkFraction = ink / pixels;
  const distinctColours = counts.size;
  return { ok: true, width, height, colorType, blank: distinctColours === 1 || inkFraction < BLANK_INK_FRACTION, distinctColours, inkFraction };
}

/** Names what a non-PNG file most likely is, from its first bytes. */
export function sniffFormat(bytes: Uint8Array): string {
  const starts = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  const ascii = (s: string) => [...s].every((c, i) => bytes[i] === c.charCodeAt(0));
  if (starts(0xff, 0xd8, 0xff)) return 'it is a JPEG image renamed to .png; save the figure as PNG';
  if (ascii('GIF8')) return 'it is a GIF image; save the figure as PNG';
  if (ascii('%PDF')) return 'it is a PDF document; save the figure as PNG';
  if (ascii('RIFF') && bytes[8] === 0x57 && bytes[9] === 0x45) return 'it is a WebP image; save the figure as PNG';
  if (ascii('<?xml') || ascii('<svg')) return 'it is an SVG drawing; save the figure as PNG';
  const sample = bytes.subarray(0, 512);
  if (sample.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b !== 0x7f))) return 'it is a text file';
  if (ascii('BM')) return 'it is a BMP image; save the figure as PNG';
  return 'the file does not start with the PNG signature';
}

function describePngError(reason: string): string {
  if (/waitng|waiting|unexpected end|premature|incomplete/i.test(reason)) return 'truncated: the file ends before the image data does';
  if (/crc/i.test(reason)) return `corrupt: ${reason}`;
  return reason;
}

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/**
 * Fast path for the PNGs plotting libraries write: 8-bit depth, not
 * interlaced, every chunk CRC correct. Uses the native zlib and unfilters in
 * place, giving the same RGBA pixels as pngjs. Anything else (other depths,
 * interlacing, a colour key, a broken or unusual file) returns undefined and
 * pngjs decodes it, with its own error messages.
 */
function decodeCommon(buffer: Buffer): { width: number; height: number; data: Buffer } | undefined {
  let offset = 8;
  let width = 0;
  let height = 0;
  let colorType = -1;
  let palette: Buffer | undefined;
  let alphas: Buffer | undefined;
  const idat: Buffer[] = [];
  let ended = false;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    const end = offset + 12 + length;
    if (end > buffer.length) return undefined;
    if (crc32(buffer.subarray(offset + 4, offset + 8 + length)) !== buffer.readUInt32BE(offset + 8 + length)) return undefined;
    const body = buffer.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      if (length !== 13) return undefined;
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      // bit depth 8, compression 0, filter 0, no interlace
      if (body[8] !== 8 || body[10] !== 0 || body[11] !== 0 || body[12] !== 0) return undefined;
      colorType = body[9]!;
    } else if (type === 'PLTE') {
      palette = body;
    } else if (type === 'tRNS') {
      if (colorType !== 3) return undefined;
      alphas = body;
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      ended = true;
      break;
    }
    offset = end;
  }
  const channels = CHANNELS[colorType];
  if (!ended || channels === undefined || width === 0 || height === 0 || idat.length === 0) return undefined;
  if (colorType === 3 && palette === undefined) return undefined;
  if (width * height > 50_000_000) return undefined;
  let raw: Buffer;
  try {
    raw = inflateSync(idat.length === 1 ? idat[0]! : Buffer.concat(idat));
  } catch {
    return undefined;
  }
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) return undefined;
  const bpp = channels;
  const data = Buffer.allocUnsafe(width * height * 4);
  let previous = new Uint8Array(stride);
  let current = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const start = y * (stride + 1);
    const filter = raw[start]!;
    const line = raw.subarray(start + 1, start + 1 + stride);
    switch (filter) {
      case 0:
        current.set(line);
        break;
      case 1:
        for (let i = 0; i < stride; i++) current[i] = (line[i]! + (i >= bpp ? current[i - bpp]! : 0)) & 0xff;
        break;
      case 2:
        for (let i = 0; i < stride; i++) current[i] = (line[i]! + previous[i]!) & 0xff;
        break;
      case 3:
        for (let i = 0; i < stride; i++) current[i] = (line[i]! + (((i >= bpp ? current[i - bpp]! : 0) + previous[i]!) >> 1)) & 0xff;
        break;
      case 4:
        for (let i = 0; i < stride; i++) {
          const a = i >= bpp ? current[i - bpp]! : 0;
          const b = previous[i]!;
          const c = i >= bpp ? previous[i - bpp]! : 0;
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          current[i] = (line[i]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 0xff;
        }
        break;
      default:
        return undefined;
    }
    const row = y * width * 4;
    for (let x = 0; x < width; x++) {
      const o = row + x * 4;
      const i = x * channels;
      if (colorType === 6) {
        data[o] = current[i]!;
        data[o + 1] = current[i + 1]!;
        data[o + 2] = current[i + 2]!;
        data[o + 3] = current[i + 3]!;
      } else if (colorType === 2) {
        data[o] = current[i]!;
        data[o + 1] = current[i + 1]!;
        data[o + 2] = current[i + 2]!;
        data[o + 3] = 255;
      } else if (colorType === 0) {
        data[o] = data[o + 1] = data[o + 2] = current[i]!;
        data[o + 3] = 255;
      } else if (colorType === 4) {
        data[o] = data[o + 1] = data[o + 2] = current[i]!;
        data[o + 3] = current[i + 1]!;
      } else {
        const index = current[i]!;
        if (index * 3 + 2 >= palette!.length) return undefined;
        data[o] = palette![index * 3]!;
        data[o + 1] = palette![index * 3 + 1]!;
        data[o + 2] = palette![index * 3 + 2]!;
        data[o + 3] = alphas !== undefined && index < alphas.length ? alphas[index]! : 255;
      }
    }
    const swap = previous;
    previous = current;
    current = swap;
  }
  return { width, height, data };
}

/** For tests: the fast decoder's pixels (undefined when pngjs would be used). */
export function decodeCommonForTest(bytes: Uint8Array): { width: number; height: number; data: Buffer } | undefined {
  return decodeCommon(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** For tests: pngjs's pixels. */
export function decodeWithPngjsForTest(bytes: Uint8Array): { width: number; height: number; data: Buffer } {
  return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
