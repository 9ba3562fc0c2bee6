/**
 * PNG inspection for handed-in plots: is it really a PNG, how big, and is
 * anything drawn on it?
 *
 * "Blank" means a single colour, or "ink" (pixels that differ clearly from the
 * dominant background colour, after compositing transparency over white) under
 * `BLANK_INK_FRACTION` of the image. A matplotlib figure with axes and two
 * curves has well over 1% ink; an empty white canvas has none.
 *
 * Cost: the 8-bit PNGs plotting libraries write are inflated by Node's zlib
 * and unfiltered four bytes at a time where the filter allows it; colours are
 * counted row by row into a map (key 0xRRGGBB after compositing over white),
 * and the ink is counted per distinct colour, so no per-pixel array is kept.
 *
 * Memory is bounded by the header, never by the data: an image whose pixels
 * would take over `MAX_DECODED_BYTES` is not decoded, and the image data is
 * inflated with an output cap of the size its header implies
 * (`inflatedSize`), so a few megabytes of IDAT that inflate to gigabytes
 * (a decompression bomb) stop at the cap and are reported, whichever
 * decoder (the fast one or pngjs) would have read them.
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

/**
 * Images whose pixels would take more than this decoded (the larger of the
 * inflated image data and 4 bytes a pixel, what pngjs gives) are not
 * decoded: a few hundred bytes of PNG can claim 20000x20000 pixels, and
 * decoding them takes gigabytes. 128 MiB is a 5800x5800 RGBA plot (a 300 dpi
 * figure of 19x19 inches); decoding one takes at most about three times it.
 */
export const MAX_DECODED_BYTES = 128 * 1024 * 1024;
/** The most pixels an image may have to be decoded (4 bytes each within `MAX_DECODED_BYTES`). */
export const MAX_INSPECTED_PIXELS = MAX_DECODED_BYTES / 4;
/** Inflated bytes tolerated past what the header implies (some encoders add a little); more is refused as a bomb. */
const INFLATE_SLACK = 64 * 1024;

/** The IHDR fields that fix the size of the image data. */
export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  interlaced: boolean;
}

function pngHeader(bytes: Uint8Array): PngHeader | undefined {
  const size = pngSize(bytes);
  if (!size || bytes.length < 29) return undefined;
  return { ...size, bitDepth: bytes[24]!, colorType: bytes[25]!, interlaced: bytes[28] === 1 };
}

/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/**
 * How many bytes a PNG's image data inflates to, from its header: a filter
 * byte and the packed samples of every row (of every interlace pass).
 * Undefined for a colour type PNG does not have.
 */
export function inflatedSize(header: PngHeader): number | undefined {
  const channels = CHANNELS[header.colorType];
  if (channels === undefined) return undefined;
  const rowBytes = (width: number) => Math.ceil((width * channels * header.bitDepth) / 8) + 1;
  if (!header.interlaced) return rowBytes(header.width) * header.height;
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const columns = header.width > x0 ? Math.ceil((header.width - x0) / dx) : 0;
    const rows = header.height > y0 ? Math.ceil((header.height - y0) / dy) : 0;
    if (columns > 0 && rows > 0) total += rowBytes(columns) * rows;
  }
  return total;
}

/** Thrown when image data inflates past its cap. */
class InflateCapExceeded extends Error {
  constructor(readonly cap: number) {
    super(`image data inflates past ${cap} bytes`);
  }
}

/** Inflates with an output cap; over it, `InflateCapExceeded` (other zlib errors as they are). */
function inflateCapped(data: Buffer, cap: number, chunkSize: number): Buffer {
  try {
    return inflateSync(data, { chunkSize, maxOutputLength: Math.max(1, cap) });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateCapExceeded(cap);
    throw error;
  }
}

/**
 * The IDAT chunks' bodies and the number of IHDR chunks, walking chunk
 * lengths only (no CRC check); a broken chunk list ends the walk.
 */
function walkChunks(buffer: Buffer): { idat: Buffer[]; headers: number } {
  const idat: Buffer[] = [];
  let headers = 0;
  let offset = 8;
  while (offset + 12 <= buffer.length) {
    const length = buffer.readUInt32BE(offset);
    const type = buffer.toString('latin1', offset + 4, offset + 8);
    if (offset + 12 + length > buffer.length) break;
    if (type === 'IDAT') idat.push(buffer.subarray(offset + 8, offset + 8 + length));
    if (type === 'IHDR') headers++;
    if (type === 'IEND') break;
    offset += 12 + length;
  }
  return { idat, headers };
}

/** Width and height from the IHDR chunk, read without decoding anything; undefined when there is no PNG header. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || !PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export function inspectPng(bytes: Uint8Array): PngInspection {
  if (bytes.length === 0) return { ok: false, message: 'an empty file' };
  if (!PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return { ok: false, message: `not a PNG image (${sniffFormat(bytes)})` };
  const header = pngHeader(bytes);
  const expected = header && inflatedSize(header);
  if (header) {
    const decoded = Math.max(expected ?? 0, 4 * header.width * header.height);
    if (decoded > MAX_DECODED_BYTES) {
      return {
        ok: false,
        message: `a ${header.width}x${header.height} pixel PNG, too large to inspect (its pixels would take ${mebibytes(decoded)} decoded, over the ${mebibytes(MAX_DECODED_BYTES)} rubricate decodes); save the figure at a lower resolution`,
      };
    }
  }

  let image: Counted;
  let colorType = -1;
  try {
    const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    colorType = buffer.length > 25 ? buffer[25]! : -1;
    // The size checks above hold for the first IHDR only: a second one (other dimensions) is not decoded.
    const headers = walkChunks(buffer).headers;
    if (headers > 1) throw new Error(`${headers} IHDR chunks, expected one`);
    const cap = expected === undefined ? undefined : expected + INFLATE_SLACK;
    image = countFast(buffer, cap) ?? countWithPngjs(buffer, cap);
  } catch (error) {
    if (error instanceof InflateCapExceeded) {
      return {
        ok: false,
        message: `a PNG whose image data inflates to more than its ${header!.width}x${header!.height} pixels hold (over ${mebibytes(error.cap)}): a decompression bomb or a corrupt file; re-save the figure`,
      };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `a broken PNG image (${describePngError(reason)}); re-save the figure` };
  }
  return measure(image, colorType);
}

/** An image's size and how many pixels have each colour (0xRRGGBB after compositing over white). */
interface Counted {
  width: number;
  height: number;
  counts: Map<number, number>;
}

/** "4.0 MiB". */
function mebibytes(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

/** The fast decoder's colour counts; undefined when pngjs must decode the file. */
function countFast(buffer: Buffer, cap: number | undefined): Counted | undefined {
  const raster = decodeCommon(buffer, cap);
  const counts = raster && countColours(raster);
  return raster && counts ? { width: raster.width, height: raster.height, counts } : undefined;
}

/**
 * Colour counts of pngjs's RGBA pixels (throws on broken files). pngjs
 * inflates interlaced images without a cap: the image data is first inflated
 * here with the cap, and a bomb never reaches it.
 */
function countWithPngjs(buffer: Buffer, cap: number | undefined): Counted {
  if (cap !== undefined) {
    const { idat } = walkChunks(buffer);
    try {
      if (idat.length > 0) inflateCapped(Buffer.concat(idat), cap, Math.min(cap, 1024 * 1024));
    } catch (error) {
      // A cap exceeded is the finding; other zlib errors are left to pngjs, whose messages name them.
      if (error instanceof InflateCapExceeded) throw error;
    }
  }
  const { width, height, data } = PNG.sync.read(buffer);
  const raster: Raster = { width, height, colorType: 6, channels: 4, stride: width * 4, first: 0, samples: data };
  return { width, height, counts: countColours(raster)! };
}

/** Size check, background (the most frequent colour; the first seen wins a tie) and ink. */
function measure({ width, height, counts }: Counted, colorType: number): PngInspection {
  if (width < 2 || height < 2) return { ok: false, message: `a ${width}x${height} pixel PNG, too small to show anything` };
  const pixels = width * height;
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
  // Ink depends on the colour only: count it per distinct colour.
  let ink = 0;
  for (const [key, count] of counts) {
    if (key === background) continue;
    const dr = Math.abs(((key >> 16) & 0xff) - br);
    const dg = Math.abs(((key >> 8) & 0xff) - bg);
    const db = Math.abs((key & 0xff) - bb);
    if (Math.max(dr, dg, db) > INK_THRESHOLD) ink += count;
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

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** Unfiltered 8-bit samples: row y starts at `first + y * stride` of `samples`, `channels` samples a pixel, as the colour type says. */
interface Raster {
  width: number;
  height: number;
  colorType: number;
  channels: number;
  stride: number;
  first: number;
  samples: Uint8Array;
  /** `samples` as 32-bit words, when rows are 4-byte aligned. */
  words?: Uint32Array;
  palette?: Uint8Array;
  /** tRNS of a palette image. */
  alphas?: Uint8Array;
}

/**
 * Fast path for the PNGs plotting libraries write: 8-bit depth, not
 * interlaced, every chunk CRC correct. Uses the native zlib and unfilters
 * into one typed array, giving the same samples as pngjs. Anything else
 * (other depths, interlacing, a colour key, a broken or unusual file)
 * returns undefined and pngjs decodes it, with its own error messages.
 */
function decodeCommon(buffer: Buffer, cap: number | undefined): Raster | undefined {
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
  const stride = width * channels;
  const expected = (stride + 1) * height;
  let raw: Buffer;
  try {
    // Output in one chunk when it is the expected size (no concatenation), up to 8 MiB; never past the cap.
    raw = inflateCapped(idat.length === 1 ? idat[0]! : Buffer.concat(idat), cap ?? expected + INFLATE_SLACK, Math.max(64, Math.min(expected + 1, 8 * 1024 * 1024)));
  } catch (error) {
    if (error instanceof InflateCapExceeded) throw error;
    return undefined;
  }
  if (raw.length < expected) return undefined;
  // Row y at (y + 1) * stride, after a zero row: the "previous row" of the first one.
  const storage = sampleStorage(stride * (height + 1));
  const samples = new Uint8Array(storage, 0, stride * (height + 1));
  samples.fill(0, 0, stride);
  const words = stride % 4 === 0 ? new Uint32Array(storage) : undefined;
  if (!unfilter(raw, samples, words, height, stride, channels)) return undefined;
  const raster: Raster = { width, height, colorType, channels, stride, first: stride, samples };
  if (words !== undefined) raster.words = words;
  if (palette !== undefined) raster.palette = palette;
  if (alphas !== undefined) raster.alphas = alphas;
  return raster;
}

/**
 * Memory for the unfiltered samples, reused from one image to the next (an
 * image is decoded and counted synchronously, and its samples are not kept):
 * a plot's 1.2 MB are not allocated, zeroed and collected per submission.
 * Images over 16 MiB get memory of their own.
 */
let reusable: ArrayBuffer | undefined;
function sampleStorage(bytes: number): ArrayBuffer {
  const size = Math.ceil(bytes / 4) * 4;
  if (reusable !== undefined && reusable.byteLength >= size) return reusable;
  const storage = new ArrayBuffer(size);
  if (size <= 16 * 1024 * 1024) reusable = storage;
  return storage;
}

/** Byte-wise a + b (mod 256) in every lane of two 32-bit words. */
function addLanes(a: number, b: number): number {
  return ((a & 0x7f7f7f7f) + (b & 0x7f7f7f7f)) ^ ((a ^ b) & 0x80808080);
}

/** Byte-wise floor((a + b) / 2) in every lane of two 32-bit words. */
function averageLanes(a: number, b: number): number {
  return (a & b) + (((a ^ b) & 0xfefefefe) >>> 1);
}

/**
 * Undoes the scanline filters of `raw` (a filter byte then `stride` bytes per
 * row) into `out`, row y at `(y + 1) * stride` after a zero row. With `words`
 * (rows 4-byte aligned), Up rows, and Sub and Average rows of 4-byte pixels,
 * go four bytes at a time. False for an unknown filter type.
 */
function unfilter(raw: Uint8Array, out: Uint8Array, words: Uint32Array | undefined, height: number, stride: number, bpp: number): boolean {
  // An aligned copy of the current raw row, for the word-wise filters.
  const line = words ? new Uint32Array(stride >> 2) : undefined;
  const lineBytes = line ? new Uint8Array(line.buffer) : undefined;
  const zero = words ? Buffer.alloc(stride) : undefined;
  const n = stride >> 2;
  for (let y = 0; y < height; y++) {
    const src = y * (stride + 1) + 1;
    const cur = (y + 1) * stride;
    const prev = cur - stride;
    const filter = raw[src - 1];
    if (words && line && lineBytes && zero && (filter === 2 || (bpp === 4 && filter !== 0))) {
      const c = cur >> 2;
      const p = prev >> 2;
      if (filter === 2 && Buffer.compare(raw.subarray(src, src + stride), zero) === 0) {
        // Up with nothing added: the row repeats the one above.
        out.copyWithin(cur, prev, cur);
        continue;
      }
      lineBytes.set(raw.subarray(src, src + stride));
      if (filter === 2) {
        // Mostly zeros (a plot's rows differ from the row above in a few pixels): copy the row above, then add.
        out.copyWithin(cur, prev, cur);
        for (let j = 0; j < n; j++) {
          const x = line[j]!;
          if (x !== 0) words[c + j] = addLanes(x, words[c + j]!);
        }
      } else if (filter === 1) {
        words[c] = line[0]!;
        for (let j = 1; j < n; j++) words[c + j] = addLanes(line[j]!, words[c + j - 1]!);
      } else if (filter === 3) {
        words[c] = addLanes(line[0]!, (words[p]! & 0xfefefefe) >>> 1);
        for (let j = 1; j < n; j++) words[c + j] = addLanes(line[j]!, averageLanes(words[c + j - 1]!, words[p + j]!));
      } else if (filter === 4) {
        // Left and upper-left are 0 for the first pixel: the predictor is the upper byte.
        words[c] = addLanes(line[0]!, words[p]!);
        for (let j = 1; j < n; j++) {
          const a = words[c + j - 1]!;
          const b = words[p + j]!;
          // Left and up pixels alike (flat areas, vertical edges): every byte's predictor is the left one,
          // since then |p - a| = |b - c| = |p - b| and |p - c| = 2|a - c|.
          if (a === b) words[c + j] = addLanes(line[j]!, a);
          else paeth(raw, out, src + 4 * j, cur + 4 * j, cur + 4 * j + 4, stride, 4);
        }
      } else {
        return false;
      }
      continue;
    }
    switch (filter) {
      case 0:
        out.set(raw.subarray(src, src + stride), cur);
        break;
      case 1:
        for (let i = 0; i < bpp; i++) out[cur + i] = raw[src + i]!;
        for (let i = bpp; i < stride; i++) out[cur + i] = raw[src + i]! + out[cur + i - bpp]!;
        break;
      case 2:
        for (let i = 0; i < stride; i++) out[cur + i] = raw[src + i]! + out[prev + i]!;
        break;
      case 3:
        for (let i = 0; i < bpp; i++) out[cur + i] = raw[src + i]! + (out[prev + i]! >> 1);
        for (let i = bpp; i < stride; i++) out[cur + i] = raw[src + i]! + ((out[cur + i - bpp]! + out[prev + i]!) >> 1);
        break;
      case 4:
        // Left and upper-left are 0 for the first pixel: the predictor is the upper byte.
        for (let i = 0; i < bpp; i++) out[cur + i] = raw[src + i]! + out[prev + i]!;
        paeth(raw, out, src + bpp, cur + bpp, cur + stride, stride, bpp);
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Paeth-unfilters bytes [from, to) of `out` (not the first pixel of a row) from `raw` starting at `src`. */
function paeth(raw: Uint8Array, out: Uint8Array, src: number, from: number, to: number, stride: number, bpp: number): void {
  for (let i = from, r = src; i < to; i++, r++) {
    const a = out[i - bpp]!;
    const b = out[i - stride]!;
    const c = out[i - stride - bpp]!;
    const pa = b > c ? b - c : c - b; // |p - a| with p = a + b - c
    const pb = a > c ? a - c : c - a; // |p - b|
    const pc = a + b > 2 * c ? a + b - 2 * c : 2 * c - a - b; // |p - c|
    out[i] = raw[r]! + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
  }
}

/** Channel value `c` with alpha `alpha` composited over white (255), rounded: a table per process, `[alpha << 8 | c]`. */
let overWhite: Uint8Array | undefined;
function overWhiteTable(): Uint8Array {
  if (overWhite === undefined) {
    overWhite = new Uint8Array(256 * 256);
    for (let alpha = 0; alpha < 256; alpha++) {
      const a = alpha / 255;
      for (let c = 0; c < 256; c++) overWhite[(alpha << 8) | c] = Math.round(c * a + 255 * (1 - a));
    }
  }
  return overWhite;
}

/**
 * How many pixels have each colour (0xRRGGBB composited over white), in the
 * order colours first appear. Undefined when a palette index has no palette
 * entry (pngjs then decides).
 */
function countColours(raster: Raster): Map<number, number> | undefined {
  const { width, height } = raster;
  if (raster.colorType === 6 && raster.words && LITTLE_ENDIAN) return countWords(raster.words, raster.first >> 2, width * height);
  const entries = raster.colorType === 3 ? paletteKeys(raster) : undefined;
  const keys = new Uint32Array(width);
  const counts = new Map<number, number>();
  // Count colours run by run, across rows: plots are mostly long runs of background.
  let runKey = -1;
  let runLength = 0;
  for (let y = 0; y < height; y++) {
    if (!rowKeys(raster, y, keys, entries)) return undefined;
    for (let x = 0; x < width; x++) {
      const key = keys[x]!;
      if (key === runKey) {
        runLength++;
      } else {
        if (runLength > 0) counts.set(runKey, (counts.get(runKey) ?? 0) + runLength);
        runKey = key;
        runLength = 1;
      }
    }
  }
  if (runLength > 0) counts.set(runKey, (counts.get(runKey) ?? 0) + runLength);
  return counts;
}

/**
 * `countColours` for RGBA pixels as little-endian words (0xAABBGGRR), rows
 * back to back: runs of equal words, each run's colour composited once. Two
 * words of one colour (different alphas) add to the same count, and colours
 * still enter the map in the order they first appear.
 */
function countWords(words: Uint32Array, start: number, pixels: number): Map<number, number> {
  const white = overWhiteTable();
  const counts = new Map<number, number>();
  const add = (v: number, length: number) => {
    let key: number;
    if (v >>> 24 === 255) {
      key = ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff);
    } else {
      const s = (v >>> 24) << 8;
      key = (white[s | (v & 0xff)]! << 16) | (white[s | ((v >>> 8) & 0xff)]! << 8) | white[s | ((v >>> 16) & 0xff)]!;
    }
    counts.set(key, (counts.get(key) ?? 0) + length);
  };
  let run = words[start]!;
  let runStart = start;
  const end = start + pixels;
  for (let w = start + 1; w < end; w++) {
    const v = words[w]!;
    if (v === run) continue;
    add(run, w - runStart);
    run = v;
    runStart = w;
  }
  add(run, end - runStart);
  return counts;
}

/** Key of every palette index; -1 for an index past the palette's end. */
function paletteKeys(raster: Raster): Int32Array {
  const palette = raster.palette!;
  const alphas = raster.alphas;
  const white = overWhiteTable();
  const entries = new Int32Array(256).fill(-1);
  for (let index = 0; index < 256 && index * 3 + 2 < palette.length; index++) {
    const alpha = alphas !== undefined && index < alphas.length ? alphas[index]! : 255;
    const r = palette[index * 3]!;
    const g = palette[index * 3 + 1]!;
    const b = palette[index * 3 + 2]!;
    const s = alpha << 8;
    entries[index] = alpha === 255 ? (r << 16) | (g << 8) | b : (white[s | r]! << 16) | (white[s | g]! << 8) | white[s | b]!;
  }
  return entries;
}

/** The keys of row y into `keys`; false when a palette index has no entry. */
function rowKeys(raster: Raster, y: number, keys: Uint32Array, entries: Int32Array | undefined): boolean {
  const { width, colorType, stride, samples } = raster;
  const row = raster.first + y * stride;
  const white = overWhiteTable();
  switch (colorType) {
    case 6:
      for (let x = 0, o = row; x < width; x++, o += 4) {
        const alpha = samples[o + 3]!;
        if (alpha === 255) {
          keys[x] = (samples[o]! << 16) | (samples[o + 1]! << 8) | samples[o + 2]!;
        } else {
          const s = alpha << 8;
          keys[x] = (white[s | samples[o]!]! << 16) | (white[s | samples[o + 1]!]! << 8) | white[s | samples[o + 2]!]!;
        }
      }
      return true;
    case 2:
      for (let x = 0, o = row; x < width; x++, o += 3) keys[x] = (samples[o]! << 16) | (samples[o + 1]! << 8) | samples[o + 2]!;
      return true;
    case 0:
      for (let x = 0; x < width; x++) keys[x] = samples[row + x]! * 0x010101;
      return true;
    case 4:
      for (let x = 0, o = row; x < width; x++, o += 2) keys[x] = white[(samples[o + 1]! << 8) | samples[o]!]! * 0x010101;
      return true;
    case 3:
      for (let x = 0; x < width; x++) {
        const key = entries![samples[row + x]!]!;
        if (key < 0) return false;
        keys[x] = key;
      }
      return true;
    default:
      return false;
  }
}

/** RGBA pixels of a raster (what pngjs gives for the same file); undefined for a palette index without entry. */
function toRgba(raster: Raster): Buffer | undefined {
  const { width, height, colorType, channels, stride, first, samples } = raster;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = first + y * stride + x * channels;
      const o = (y * width + x) * 4;
      if (colorType === 6 || colorType === 2) {
        data[o] = samples[i]!;
        data[o + 1] = samples[i + 1]!;
        data[o + 2] = samples[i + 2]!;
        data[o + 3] = colorType === 6 ? samples[i + 3]! : 255;
      } else if (colorType === 0 || colorType === 4) {
        data[o] = data[o + 1] = data[o + 2] = samples[i]!;
        data[o + 3] = colorType === 4 ? samples[i + 1]! : 255;
      } else {
        const index = samples[i]!;
        const palette = raster.palette!;
        if (index * 3 + 2 >= palette.length) return undefined;
        data[o] = palette[index * 3]!;
        data[o + 1] = palette[index * 3 + 1]!;
        data[o + 2] = palette[index * 3 + 2]!;
        data[o + 3] = raster.alphas !== undefined && index < raster.alphas.length ? raster.alphas[index]! : 255;
      }
    }
  }
  return data;
}

/** For tests: the fast decoder's RGBA pixels (undefined when pngjs would be used). */
export function decodeCommonForTest(bytes: Uint8Array): { width: number; height: number; data: Buffer } | undefined {
  const raster = decodeCommon(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), undefined);
  const data = raster && toRgba(raster);
  return raster && data ? { width: raster.width, height: raster.height, data } : undefined;
}

/** For tests: pngjs's pixels. */
export function decodeWithPngjsForTest(bytes: Uint8Array): { width: number; height: number; data: Buffer } {
  return PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** For tests: `inspectPng` measured on pngjs's pixels, the path of the files the fast decoder leaves to pngjs. */
export function inspectWithPngjsForTest(bytes: Uint8Array): PngInspection {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return measure(countWithPngjs(buffer, undefined), buffer.length > 25 ? buffer[25]! : -1);
}
