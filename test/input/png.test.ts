import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inspectPng, sniffFormat } from '../../src/input/png.js';

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
