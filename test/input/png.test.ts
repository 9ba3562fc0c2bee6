import { readdirSync, readFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeCommonForTest, decodeWithPngjsForTest, inflatedSize, inspectPng, inspectWithPngjsForTest, pngSize, sniffFormat } from '../../src/input/png.js';
import { bombPng, headerOnlyPng, inflationBombPng, pngChunk, pngFile } from '../helpers/png.js';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../../fixtures/input/png/${name}`, import.meta.url)));

describe('inspectPng', () => {
  it('measures a real plot: size, colour type, ink', () => {
    const info = inspectPng(fixture('plot.png'));
    expect(info).toMatchObject({ ok: true, width: 320, height: 240, colorType: 6, blank: false });
    if (info.ok) {
      expect(info.distinctColours).toBeGreaterThan(2);
      expect(info.inkFraction).toBeGreaterThan(0.01);
    }
  });

  it('calls a white canvas blank', () => {
    expect(inspectPng(fixture('blank-white.png'))).toEqual({
      ok: true, width: 640, height: 480, colorType: 6, blank: true, distinctColours: 1, inkFraction: 0,
    });
  });

  it('calls a fully transparent canvas blank', () => {
    expect(inspectPng(fixture('transparent.png'))).toMatchObject({ ok: true, blank: true, inkFraction: 0 });
  });

  it('refuses a 1x1 image', () => {
    expect(inspectPng(fixture('one-pixel.png'))).toEqual({ ok: false, message: 'a 1x1 pixel PNG, too small to show anything' });
  });

  it('refuses a truncated PNG', () => {
    const result = inspectPng(fixture('truncated.png'));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toContain('truncated');
  });

  it('refuses a decompression bomb from its header, without inflating it', () => {
    const bomb = bombPng(60000, 60000);
    expect(bomb.length).toBeLessThan(2048);
    expect(pngSize(bomb)).toEqual({ width: 60000, height: 60000 });
    expect(inspectPng(bomb)).toEqual({
      ok: false,
      message: 'a 60000x60000 pixel PNG, too large to inspect (its pixels would take 13732.9 MiB decoded, over the 128.0 MiB rubricate decodes); save the figure at a lower resolution',
    });
    // Image data that is not even zlib: inflating it would fail with another message, so the size was decided from the header alone.
    expect(inspectPng(headerOnlyPng(20000, 20000))).toMatchObject({ ok: false, message: expect.stringMatching(/^a 20000x20000 pixel PNG, too large to inspect/) });
    expect(inspectPng(headerOnlyPng(200, 100))).toMatchObject({ ok: false });
    expect(inspectPng(headerOnlyPng(200, 100))).not.toMatchObject({ message: expect.stringContaining('too large') });
  });

  it('stops inflating a decompression bomb at the size its header implies, in both decoders', () => {
    // 4 MiB of image data that inflate to 4 GiB under a header of 2000x2000 RGBA pixels (16 MB): the header check passes.
    const maxRss = () => process.resourceUsage().maxRSS * 1024;
    const before = maxRss();
    for (const interlaced of [false, true]) {
      const bomb = inflationBombPng(2000, 2000, 4 * 1024 ** 3, { interlaced });
      expect(bomb.length).toBeLessThan(5 * 1024 * 1024);
      const result = inspectPng(bomb);
      expect(result, interlaced ? 'interlaced (pngjs)' : 'plain (fast decoder)').toEqual({
        ok: false,
        message: expect.stringMatching(/^a PNG whose image data inflates to more than its 2000x2000 pixels hold \(over 15\.[0-9] MiB\): a decompression bomb or a corrupt file; re-save the figure$/),
      });
    }
    // The peak of this process grew by far less than the 4 GiB inflated (the cap is 16 MB; 300 MB leaves room for the test's own garbage).
    expect(maxRss() - before).toBeLessThan(300 * 1024 * 1024);
  });

  it('computes the inflated size of any header as encoders write it; pngjs decodes interlaced and packed images under that cap', () => {
    expect(inflatedSize({ width: 10, height: 10, bitDepth: 8, colorType: 6, interlaced: false })).toBe(410);
    expect(inflatedSize({ width: 3, height: 3, bitDepth: 8, colorType: 5, interlaced: false })).toBeUndefined();
    // Adam7 images written pass by pass (filter 0): the image data is exactly the computed size, and inspectPng accepts them.
    const adam7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
    for (const [colorType, bitDepth, channels] of [[6, 8, 4], [2, 8, 3], [0, 1, 1], [0, 4, 1], [4, 16, 2]] as const) {
      for (const [width, height] of [[1, 1], [3, 3], [9, 5], [17, 12]] as const) {
        const rows: number[] = [];
        for (const [x0, y0, dx, dy] of adam7) {
          const columns = width > x0! ? Math.ceil((width - x0!) / dx!) : 0;
          const lines = height > y0! ? Math.ceil((height - y0!) / dy!) : 0;
          if (columns === 0) continue;
          for (let y = 0; y < lines; y++) rows.push(0, ...new Array(Math.ceil((columns * channels * bitDepth) / 8)).fill(y % 2 ? 0xff : 0x11));
        }
        const raw = Buffer.from(rows);
        const header = { width, height, bitDepth, colorType, interlaced: true };
        expect(inflatedSize(header), `${width}x${height} type ${colorType} depth ${bitDepth}`).toBe(raw.length);
        const ihdr = Buffer.alloc(13);
        ihdr.writeUInt32BE(width, 0);
        ihdr.writeUInt32BE(height, 4);
        ihdr.set([bitDepth, colorType, 0, 0, 1], 8);
        const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array())]);
        expect(decodeWithPngjsForTest(png).width).toBe(width);
        const result = inspectPng(png);
        if (!result.ok) expect(result.message).toMatch(/too small to show anything/);
        else expect(result.width).toBe(width);
      }
    }
  });

  it('refuses a second IHDR (other dimensions than the ones checked)', () => {
    const header = Buffer.alloc(13);
    header.writeUInt32BE(30000, 0);
    header.writeUInt32BE(30000, 4);
    header[8] = 8;
    header[9] = 6;
    const png = pngFile(4, 4, 6, Buffer.alloc(17 * 4), [pngChunk('IHDR', header)]);
    expect(inspectPng(png)).toEqual({ ok: false, message: 'a broken PNG image (2 IHDR chunks, expected one); re-save the figure' });
  });

  it('names a JPEG renamed to .png', () => {
    const result = inspectPng(fixture('renamed-jpeg.png'));
    expect(result).toEqual({ ok: false, message: 'not a PNG image (it is a JPEG image renamed to .png; save the figure as PNG)' });
  });

  it('names a text file renamed to .png, and an empty file', () => {
    expect(inspectPng(new TextEncoder().encode('plot goes here\n'))).toEqual({ ok: false, message: 'not a PNG image (it is a text file)' });
    expect(inspectPng(new Uint8Array())).toEqual({ ok: false, message: 'an empty file' });
  });

  it('recognises other image formats by signature', () => {
    expect(sniffFormat(new TextEncoder().encode('GIF89a....'))).toContain('GIF');
    expect(sniffFormat(new TextEncoder().encode('%PDF-1.7'))).toContain('PDF');
    expect(sniffFormat(new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg">'))).toContain('SVG');
    expect(sniffFormat(Uint8Array.of(0x00, 0x01, 0x02, 0x03))).toBe('the file does not start with the PNG signature');
  });
});

describe('fast PNG decoding', () => {
  const pngFiles = (dir: URL): URL[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? pngFiles(new URL(`${e.name}/`, dir)) : e.name.endsWith('.png') ? [new URL(e.name, dir)] : [],
    );

  it('gives the same pixels as pngjs for every fixture PNG it accepts (and accepts the plots)', () => {
    let fast = 0;
    for (const file of pngFiles(new URL('../../fixtures/', import.meta.url))) {
      const bytes = new Uint8Array(readFileSync(file));
      const ours = decodeCommonForTest(bytes);
      if (ours === undefined) continue;
      fast++;
      const theirs = decodeWithPngjsForTest(bytes);
      expect([ours.width, ours.height], file.pathname).toEqual([theirs.width, theirs.height]);
      expect(Buffer.compare(ours.data, theirs.data), file.pathname).toBe(0);
    }
    expect(fast).toBeGreaterThan(10);
  });

  it('matches pngjs for every colour type and scanline filter, and leaves broken files to pngjs', () => {
    const { PNG } = pngjs;
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (const colorType of [0, 2, 4, 6] as const) {
      for (const filterType of [0, 1, 2, 3, 4]) {
        const image = new PNG({ width: 37, height: 23 });
        for (let i = 0; i < image.data.length; i++) image.data[i] = i % 7 === 0 ? next() : (i * 13) & 0xff;
        const bytes = PNG.sync.write(image, { colorType, filterType, inputHasAlpha: true });
        const ours = decodeCommonForTest(bytes);
        expect(ours, `colour type ${colorType}, filter ${filterType}`).toBeDefined();
        expect(Buffer.compare(ours!.data, PNG.sync.read(bytes).data), `colour type ${colorType}, filter ${filterType}`).toBe(0);
        const corrupt = Buffer.from(bytes);
        corrupt[50] = corrupt[50]! ^ 0xff; // inside IDAT: CRC no longer matches
        expect(decodeCommonForTest(corrupt)).toBeUndefined();
      }
    }
  });

  it('measures every fixture PNG as it would measure pngjs\'s pixels', () => {
    let measured = 0;
    for (const file of pngFiles(new URL('../../fixtures/', import.meta.url))) {
      const bytes = new Uint8Array(readFileSync(file));
      let theirs;
      try {
        theirs = inspectWithPngjsForTest(bytes);
      } catch {
        continue; // not a PNG pngjs can read: inspectPng reports it as broken
      }
      measured++;
      expect(inspectPng(bytes), file.pathname).toEqual(theirs);
    }
    expect(measured).toBeGreaterThan(10);
  });

  it('matches pngjs on plot-like images: flat areas, repeated rows, lines, translucent pixels, rows of any alignment', () => {
    const { PNG } = pngjs;
    let seed = 11;
    const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (const width of [40, 37, 2]) {
      for (const colorType of [0, 2, 4, 6] as const) {
        for (const filterType of [-1, 0, 1, 2, 3, 4]) {
          const height = 31;
          const image = new PNG({ width, height });
          for (let y = 0; y < height; y++) {
            for (let x = 0; x < width; x++) {
              const o = (y * width + x) * 4;
              const line = Math.abs(y - Math.round(15 + 10 * Math.sin(x / 5))) <= 1 || x === 3 || y === 27;
              const noisy = y > 20 && x > 20 && (x + y) % 3 === 0;
              const [r, g, b] = line ? [31, 119, 180] : noisy ? [next(), next(), next()] : [255, 255, 255];
              image.data[o] = r;
              image.data[o + 1] = g;
              image.data[o + 2] = b;
              image.data[o + 3] = y < 4 ? 0 : y < 8 ? 40 + 20 * (x % 5) : noisy ? next() : 255;
            }
          }
          const name = `width ${width}, colour type ${colorType}, filter ${filterType}`;
          const bytes = PNG.sync.write(image, { colorType, filterType, inputHasAlpha: true });
          const ours = decodeCommonForTest(bytes);
          expect(ours, name).toBeDefined();
          expect(Buffer.compare(ours!.data, PNG.sync.read(bytes).data), name).toBe(0);
          expect(inspectPng(bytes), name).toEqual(inspectWithPngjsForTest(bytes));
        }
      }
    }
  });

  it('matches pngjs on palette images, with and without transparency, and leaves a missing palette entry to pngjs', () => {
    const width = 24;
    const height = 9;
    const palette = [255, 255, 255, 31, 119, 180, 255, 127, 14, 0, 0, 0];
    const indices = (y: number, x: number) => (x === y ? 1 : x === 2 * y ? 2 : y === 8 ? 3 : 0);
    for (const transparency of [undefined, [255, 128], [0, 255, 64, 200]]) {
      const bytes = palettePng(width, height, palette, transparency, indices);
      const ours = decodeCommonForTest(bytes);
      expect(ours, `tRNS ${transparency}`).toBeDefined();
      expect(Buffer.compare(ours!.data, decodeWithPngjsForTest(bytes).data)).toBe(0);
      expect(inspectPng(bytes)).toEqual(inspectWithPngjsForTest(bytes));
    }
    const outside = palettePng(width, height, palette, undefined, (y, x) => (x === 5 && y === 5 ? 9 : indices(y, x)));
    expect(decodeCommonForTest(outside)).toBeUndefined();
  });
});

/** A palette PNG (colour type 3, 8 bits, filter 0 on every row) built by hand: pngjs writes no palettes. */
function palettePng(width: number, height: number, palette: number[], transparency: number[] | undefined, index: (y: number, x: number) => number): Uint8Array {
  const raw = Buffer.alloc((width + 1) * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) raw[y * (width + 1) + 1 + x] = index(y, x);
  return pngFile(width, height, 3, raw, [
    pngChunk('PLTE', Uint8Array.from(palette)),
    ...(transparency ? [pngChunk('tRNS', Uint8Array.from(transparency))] : []),
  ]);
}
