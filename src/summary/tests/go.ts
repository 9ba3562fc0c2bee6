/**
 * Go tests counted statically: in `*_test.go` files, top-level functions
 * `func TestXxx(t *testing.T)` (Xxx not starting with a lower-case letter) and
 * fuzz targets `func FuzzXxx(f *testing.F)`, comments and string literals
 * blanked first. Subtests (`t.Run`) are run and reported as tests by
 * `go test -v`: a file with `t.Run` has a lower bound. A `//go:build`
 * constraint may keep the file out of the build: an upper bound.
 */
import type { Count } from './count.js';

/** Blanks Go comments and the contents of string, raw string and rune literals, keeping offsets and line breaks. */
export function blankGo(source: string): string {
  const out = source.split('');
  const blank = (from: number, to: number) => {
    for (let k = from; k < to; k++) if (out[k] !== '\n') out[k] = ' ';
  };
  let i = 0;
  while (i < source.length) {
    if (source.startsWith('//', i)) {
      const end = source.indexOf('\n', i);
      const stop = end < 0 ? source.length : end;
      blank(i, stop);
      i = stop;
    } else if (source.startsWith('/*', i)) {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? source.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (source[i] === '`') {
      const end = source.indexOf('`', i + 1);
      const stop = end < 0 ? source.length : end;
      blank(i + 1, stop);
      i = stop + 1;
    } else if (source[i] === '"' || source[i] === "'") {
      const q = source[i]!;
      let j = i + 1;
      while (j < source.length && source[j] !== q && source[j] !== '\n') j += source[j] === '\\' ? 2 : 1;
      blank(i + 1, j);
      i = j + 1;
    } else i++;
  }
  return out.join('');
}

export function isGoTestFile(rel: string): boolean {
  return rel.endsWith('_test.go') && !rel.split('/').some((s) => s === 'vendor' || s === 'testdata' || s.startsWith('.') || s.startsWith('_'));
}

export function countGoFile(source: string): Count {
  const code = blankGo(source);
  let written = 0;
  for (const _ of code.matchAll(/^func\s+(Test|Fuzz)([^a-z\s(]\w*|)\s*\(\s*\w+\s+\*\s*testing\.[TF]\s*\)/gm)) written++;
  const notes: string[] = [];
  let min = written;
  let max = written;
  if (/\.Run\s*\(/.test(code) && written > 0) {
    max = Infinity;
    notes.push('subtests (t.Run) are reported as tests too');
  }
  if (/^\/\/go:build\s/m.test(source) || /^\/\/ \+build\s/m.test(source)) {
    min = 0;
    notes.push('a build constraint may leave the file out');
  }
  return { min, max, written, skipped: 0, notes };
}
