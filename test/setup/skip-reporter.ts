/**
 * A reporter added after vitest's default one (vitest.config.ts): the last
 * lines of a run list every skipped test with the reason it could not run on
 * this machine, so a green run on a machine without bubblewrap or cargo says
 * so. Reasons come from `needs(...)` (test/helpers/machine.ts, the test's
 * `skipReason` metadata) or from `ctx.skip(note)`. A test skipped without a
 * reason is listed as such: give it one.
 */
import { relative } from 'node:path';
import type { Reporter, TestCase, TestModule, Vitest } from 'vitest/node';

const NO_REASON = 'no reason given (skip it with needs(...) from test/helpers/machine.ts, or ctx.skip(reason))';

export default class SkipReporter implements Reporter {
  private root = process.cwd();
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
    // With -t (or .only) vitest skips every other test; those are not the machine's doing.
    this.filtered = Boolean(vitest.config.testNamePattern);
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const byReason = new Map<string, string[]>();
    let ran = 0;
    let unexplained = 0;
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state !== 'skipped') {
          if (result.state !== 'pending') ran++;
          continue;
        }
        const reason = reasonOf(test);
        if (reason === undefined && (this.filtered || test.options.mode === 'run')) {
          // Filtered out by -t, not run because another test has .only, or ctx.skip() without a note.
          unexplained++;
          continue;
        }
        const key = reason ?? (test.options.mode === 'todo' ? 'todo (not written yet)' : NO_REASON);
        const list = byReason.get(key) ?? [];
        list.push(`${relative(this.root, test.module.moduleId)} > ${test.fullName}`);
        byReason.set(key, list);
      }
    }
    const skipped = [...byReason.values()].reduce((sum, list) => sum + list.length, 0);
    // Nothing collected (a global setup failed, or no file matched): vitest's own report says why.
    if (ran + skipped + unexplained === 0) return;
    const lines: string[] = [''];
    if (skipped === 0) {
      lines.push(` No test skipped: this machine has everything the ${ran} tests that ran need.`);
    } else {
      lines.push(` Skipped ${skipped} test${skipped === 1 ? '' : 's'} (${ran} ran):`);
      for (const [reason, tests] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) {
        lines.push(`   ${reason} (${tests.length})`);
        for (const name of tests.sort()) lines.push(`     - ${name}`);
      }
    }
    if (unexplained > 0) lines.push(` ${unexplained} more not run: filtered out by -t or .only, or skipped by ctx.skip() without a reason.`);
    lines.push('');
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

/** The reason given to ctx.skip(), or the `skipReason` of needs() (a describe's options reach its tests). */
function reasonOf(test: TestCase): string | undefined {
  const result = test.result();
  if (result.state === 'skipped' && result.note) return result.note;
  return test.meta().skipReason;
}
