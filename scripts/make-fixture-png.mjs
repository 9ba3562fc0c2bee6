#!/usr/bin/env node
/**
 * Regenerates the PNG fixtures with pngjs (run from the repository root:
 * `node scripts/make-fixture-png.mjs`).
 *
 * - fixtures/input/png/: plot.png (a small line plot), blank-white.png,
 *   transparent.png (fully transparent canvas), one-pixel.png, truncated.png.
 * - fixtures/rope-lab02/<case>/relative_position_demo.png for the ok-interleaved,
 *   ok-flat-layout, not-ok-files-* and not-ok-manifest-* cases (and any case
 *   named on the command line) from their verify_output.txt: the plot is drawn from
 *   the numbers in that printout (n - m, lhs, rhs), so it shows exactly what the
 *   learner's code computed: two coinciding curves.
 * - fixtures/rope-lab02/not-ok-plot-blank/relative_position_demo.png: white, 640x480.
 *
 * - fixtures/input/png/renamed-jpeg.png and the lab fixture not-ok-plot-not-png:
 *   a real (baseline, greyscale, DC-only) JPEG of the plot, saved under a .png name.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pngjs from 'pngjs';

const { PNG } = pngjs;

class Canvas {
  constructor(width, height, background = [255, 255, 255, 255]) {
    this.png = new PNG({ width, height });
    this.width = width;
    this.height = height;
    for (let i = 0; i < width * height; i++) this.png.data.set(background, i * 4);
  }

  set(x, y, [r, g, b]) {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.png.data.set([r, g, b, 255], (y * this.width + x) * 4);
  }

  dot(x, y, colour, radius = 1) {
    for (let dy = -radius; dy <= radius; dy++) for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= radius * radius + 0.5) this.set(x + dx, y + dy, colour);
  }

  line(x0, y0, x1, y1, colour, width = 1, dash = 0) {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= steps; s++) {
      if (dash > 0 && Math.floor(s / dash) % 2 === 1) continue;
      const t = s / steps;
      this.dot(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, colour, Math.floor(width / 2));
    }
  }

  write(path) {
    writeFileSync(path, PNG.sync.write(this.png, { colorType: 6 }));
  }
}

const BLUE = [31, 119, 180];
const ORANGE = [255, 127, 14];
const BLACK = [0, 0, 0];
const GRID = [225, 225, 225];

/**
 * A minimal baseline JPEG encoder: greyscale, quantisation table of ones, every
 * 8x8 block coded by its DC coefficient only (a blocky but valid JPEG).
 */
function encodeJpegDcOnly(canvas) {
  const { width, height } = canvas;
  const data = canvas.png.data;
  const grey = (x, y) => {
    const o = (Math.min(y, height - 1) * width + Math.min(x, width - 1)) * 4;
    return 0.299 * data[o] + 0.587 * data[o + 1] + 0.114 * data[o + 2];
  };
  const dcBits = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
  const dcVals = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const dcCodes = new Map();
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < dcBits[len - 1]; i++) dcCodes.set(dcVals[k++], { code: code++, len });
    code <<= 1;
  }
  const bytes = [];
  let acc = 0;
  let nbits = 0;
  const put = (value, len) => {
    for (let i = len - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++nbits === 8) {
        bytes.push(acc);
        if (acc === 0xff) bytes.push(0);
        acc = 0;
        nbits = 0;
      }
    }
  };
  let previous = 0;
  for (let by = 0; by < Math.ceil(height / 8); by++) {
    for (let bx = 0; bx < Math.ceil(width / 8); bx++) {
      let sum = 0;
      for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) sum += grey(bx * 8 + x, by * 8 + y) - 128;
      const dc = Math.round(sum / 8); // DC of the orthonormal 8x8 DCT: sum / 8.
      const diff = dc - previous;
      previous = dc;
      const category = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
      const huff = dcCodes.get(category);
      put(huff.code, huff.len);
      if (category > 0) put(diff > 0 ? diff : diff - 1 + (1 << category), category);
      put(0, 1); // AC: end of block (the only symbol of the AC table, code '0').
    }
  }
  if (nbits > 0) put(0x7f, 8 - nbits);
  const segment = (marker, body) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];
  return Buffer.from([
    0xff, 0xd8,
    ...segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...segment(0xdb, [0, ...new Array(64).fill(1)]),
    ...segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...segment(0xc4, [0x00, ...dcBits, ...dcVals]),
    ...segment(0xc4, [0x10, 1, ...new Array(15).fill(0), 0x00]),
    ...segment(0xda, [1, 1, 0x00, 0, 63, 0]),
    ...bytes,
    0xff, 0xd9,
  ]);
}

/** Draws series as a matplotlib-like line plot: frame, grid, ticks, legend swatches. */
function plot(series, { width = 640, height = 480 } = {}) {
  const c = new Canvas(width, height);
  const left = 70;
  const right = width - 20;
  const top = 30;
  const bottom = height - 50;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  const [xmin, xmax] = [Math.min(...xs), Math.max(...xs)];
  let [ymin, ymax] = [Math.min(...ys), Math.max(...ys)];
  const pad = (ymax - ymin || 1) * 0.08;
  ymin -= pad;
  ymax += pad;
  const px = (x) => left + ((x - xmin) / (xmax - xmin || 1)) * (right - left);
  const py = (y) => bottom - ((y - ymin) / (ymax - ymin)) * (bottom - top);
  for (let k = 0; k <= 5; k++) {
    const gy = top + ((bottom - top) * k) / 5;
    const gx = left + ((right - left) * k) / 5;
    c.line(left, gy, right, gy, GRID);
    c.line(gx, top, gx, bottom, GRID);
    c.line(left - 6, gy, left, gy, BLACK);
    c.line(gx, bottom, gx, bottom + 6, BLACK);
  }
  c.line(left, top, right, top, BLACK);
  c.line(left, bottom, right, bottom, BLACK);
  c.line(left, top, left, bottom, BLACK);
  c.line(right, top, right, bottom, BLACK);
  for (const s of series) {
    for (let i = 1; i < s.points.length; i++) {
      const [a, b] = [s.points[i - 1], s.points[i]];
      c.line(px(a[0]), py(a[1]), px(b[0]), py(b[1]), s.colour, s.width, s.dash ?? 0);
    }
    if (s.marker) for (const [x, y] of s.points) c.dot(px(x), py(y), s.colour, 3);
  }
  // Legend swatches in the top-right corner.
  series.forEach((s, i) => c.line(right - 90, top + 16 + 16 * i, right - 60, top + 16 + 16 * i, s.colour, 3, s.dash ?? 0));
  return c;
}

/** Reads the Block C table of a verify_output.txt: rows "n-m lhs rhs". */
function blockC(text) {
  const start = text.indexOf('Block C');
  if (start === -1) return undefined;
  const rows = [];
  for (const line of text.slice(start).split('\n').slice(1)) {
    const m = /^\s*(-?\d+)\s+(-?[\d.e+-]+)\s+(-?[\d.e+-]+)/.exec(line);
    if (m) rows.push([Number(m[1]), Number(m[2]), Number(m[3])]);
    else if (rows.length > 0 && line.trim() === '') break;
  }
  return rows.length > 0 ? rows : undefined;
}

const root = new URL('../fixtures/', import.meta.url).pathname;

// Unit-test fixtures.
const pngDir = join(root, 'input/png');
mkdirSync(pngDir, { recursive: true });
const small = plot([{ points: Array.from({ length: 40 }, (_, i) => [i, Math.sin(i / 4)]), colour: BLUE, width: 2 }], { width: 320, height: 240 });
small.write(join(pngDir, 'plot.png'));
writeFileSync(join(pngDir, 'renamed-jpeg.png'), encodeJpegDcOnly(small));
new Canvas(640, 480).write(join(pngDir, 'blank-white.png'));
new Canvas(400, 300, [0, 0, 0, 0]).write(join(pngDir, 'transparent.png'));
new Canvas(1, 1, [255, 0, 0, 255]).write(join(pngDir, 'one-pixel.png'));
const full = readFileSync(join(pngDir, 'plot.png'));
writeFileSync(join(pngDir, 'truncated.png'), full.subarray(0, Math.floor(full.length / 2)));

// Lab fixtures: the plot drawn from each fixture's own printout.
const labDir = join(root, 'rope-lab02');
if (existsSync(labDir)) {
  // Only the cases this script owns, plus any named on the command line
  // (`node scripts/make-fixture-png.mjs bug-clockwise`): other cases keep their own plots.
  const owned = (name) => /^(ok-interleaved|ok-flat-layout|not-ok-(files|manifest)-)/.test(name) || process.argv.slice(2).includes(name);
  for (const name of readdirSync(labDir)) {
    const dir = join(labDir, name);
    const out = join(dir, 'verify_output.txt');
    if (!owned(name) || !existsSync(out)) continue;
    const rows = blockC(readFileSync(out, 'utf8'));
    if (!rows) continue;
    plot([
      { points: rows.map((r) => [r[0], r[1]]), colour: BLUE, width: 5, marker: true },
      { points: rows.map((r) => [r[0], r[2]]), colour: ORANGE, width: 3, dash: 8 },
    ]).write(join(dir, 'relative_position_demo.png'));
  }
  const blank = join(labDir, 'not-ok-plot-blank');
  if (existsSync(blank)) new Canvas(640, 480).write(join(blank, 'relative_position_demo.png'));
  const ok = join(labDir, 'ok-interleaved', 'relative_position_demo.png');
  const notPng = join(labDir, 'not-ok-plot-not-png');
  if (existsSync(ok) && existsSync(notPng)) {
    const source = PNG.sync.read(readFileSync(ok));
    writeFileSync(join(notPng, 'relative_position_demo.png'), encodeJpegDcOnly({ width: source.width, height: source.height, png: source }));
  }
}
