/**
 * Test counts as intervals. A static count is exact when every test is
 * written out (`#[test] fn`, `def test_x`, `it('...')`); a parametrized or
 * generated test (`@pytest.mark.parametrize`, `it.each(rows)`, a `#[test]`
 * inside `macro_rules!`, Go subtests) makes it a lower bound, and a test that
 * may not be compiled or collected (a `#[cfg(feature)]`, a `//go:build` tag,
 * a runner configuration that narrows the files) makes it an upper bound. A
 * claim is refuted only when the stated number lies outside the interval.
 */

export interface Count {
  /** Tests surely run. */
  min: number;
  /** Tests possibly run (Infinity when some are generated). */
  max: number;
  /** The tests written out (the best single reading). */
  written: number;
  /** Of `written`, marked skipped or ignored (`#[ignore]`, `it.skip`, `@pytest.mark.skip`). */
  skipped: number;
  /** Why the interval is not a point, in words ("2 parametrized tests"). */
  notes: string[];
}

export function exact(n: number, skipped = 0): Count {
  return { min: n, max: n, written: n, skipped, notes: [] };
}

export const ZERO: Count = Object.freeze({ min: 0, max: 0, written: 0, skipped: 0, notes: [] }) as Count;

export function addCounts(counts: readonly Count[]): Count {
  const out: Count = { min: 0, max: 0, written: 0, skipped: 0, notes: [] };
  for (const c of counts) {
    out.min += c.min;
    out.max += c.max;
    out.written += c.written;
    out.skipped += c.skipped;
    for (const n of c.notes) if (!out.notes.includes(n)) out.notes.push(n);
  }
  return out;
}

export function isExact(c: Count): boolean {
  return c.min === c.max;
}

/** "16", "at least 12", "12 to 14", "at most 30". */
export function describeCount(c: Count): string {
  if (c.min === c.max) return String(c.min);
  if (c.max === Infinity) return c.min === c.written ? `at least ${c.min}` : `at least ${c.min} (${c.written} written out)`;
  if (c.min === 0) return `at most ${c.max}`;
  return `${c.min} to ${c.max}`;
}

/** A test framework's file of tests, counted. */
export interface FileTests {
  /** Path relative to the repository root. */
  path: string;
  language: TestLanguage;
  count: Count;
}

export type TestLanguage = 'rust' | 'python' | 'javascript' | 'go';
