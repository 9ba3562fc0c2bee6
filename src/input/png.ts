/**
 * PNG inspection for handed-in plots: is it really a PNG, how big, and is
 * anything drawn on it?
 *
 * "Blank" means a single colour, or "ink" (pixels that differ clearly from the
 * dominant background colour, after compositing transparency over white) under
 * `BLANK_INK_FRACTION` of the image. A matplotlib figure with axes and two
 * curves has well over 1% ink; an empty white canvas has none.
 */
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
    image = PNG.sync.read(buffer);
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
