import { readdirSync, readFileSync } from 'node:fs';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { decodeCommonForTest, decodeWithPngjsForTest, inspectPng, sniffFormat } from '../../src/input/png.js';

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
});
