/**
 * rope-verify-script: the learner's verify.py in the sandbox. Reading a
 * printout for the lab's pairs; a plotting library the grader lacks is not
 * held against the learner; a module the grader lacks skips; a script that
 * never calls the learner's functions checks nothing.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printedPairs, ropeVerifyScriptKind, type VerifyScriptOptions } from '../../../src/checks/rope/verify-script.js';
import { LAB_PAIRS } from '../../../src/rope/run.js';
import { makeContext, type TestContext } from '../../helpers/context.js';

const ok = new URL('../../../fixtures/rope-lab02/ok-flat-layout/', import.meta.url).pathname;
let scratch: string;
const contexts: TestContext[] = [];

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-verify-'));
});

afterAll(async () => {
  for (const ctx of contexts) {
    for (const [key, value] of ctx.memoStore) {
      if (!key.startsWith('tasks:session') && !key.startsWith('rope:session')) continue;
      const session = (await value.catch(() => undefined)) as { close?: () => Promise<void> } | undefined;
      await session?.close?.();
    }
  }
  rmSync(scratch, { recursive: true, force: true });
});

/** ok-flat-layout (rope.py at the root) with another verify.py. */
function withVerify(name: string, verify: string): string {
  const root = join(scratch, name);
  cpSync(ok, root, { recursive: true });
  writeFileSync(join(root, 'verify.py'), verify);
  return root;
}

async function run(root: string, options: Partial<VerifyScriptOptions> = {}) {
  const ctx = makeContext({ root });
  contexts.push(ctx);
  return ropeVerifyScriptKind.run(ctx, { module: ['rope.py'], ...options } as VerifyScriptOptions);
}

describe('printedPairs', () => {
  it("finds each pair's line in common printout styles, not in headings or other blocks", () => {
    const text = [
      'pairs: (0, 1), (3, 7)', // a heading: no result on the line
      '(m, n) = (0, 1): lhs = 2.3856, rhs = 2.3856, diff = 0.0',
      'pair 2: m=3 n=7 lhs=1.6182 rhs=1.6182 |d|=8.9e-16',
      '  5   5    0     2.4724458834288501     2.4724458834288505   4.44e-16',
      ' 10  12    2     2.2039801175881979',
      'p =   5: |q| = 2.43',
    ].join('\n');
    const found = printedPairs(text, LAB_PAIRS);
    expect([...found.keys()]).toEqual(['0,1', '3,7', '5,5', '10,12']);
    expect(found.get('0,1')).toMatchObject({ line: 2, numbers: [{ text: '2.3856' }, { text: '2.3856' }, { text: '0.0' }] });
    expect(found.get('3,7')!.numbers.map((n) => n.text)).toEqual(['1.6182', '1.6182', '8.9e-16']);
    expect(found.get('5,5')!.numbers.map((n) => n.text)).toEqual(['0', '2.4724458834288501', '2.4724458834288505', '4.44e-16']);
  });
});

describe('rope-verify-script in the sandbox', () => {
  it('plots through a stand-in when the grader has no matplotlib, and does not blame the learner when the stand-in is not enough', async () => {
    const source = readFileSync(join(ok, 'verify.py'), 'utf8');
    const plotting = withVerify(
      'plots',
      source.replace('import numpy as np\n', 'import numpy as np\nimport matplotlib\nmatplotlib.use("Agg")\nimport matplotlib.pyplot as plt\n').replace(
        'def main():',
        'def plot():\n    fig, ax = plt.subplots()\n    ax.plot([0, 1], [0, 1])\n    fig.savefig("extra.png")\n\n\ndef main():\n    plot()',
      ),
    );
    const runs = await run(plotting);
    let hasMatplotlib = true;
    if (runs.status === 'pass' && runs.message.includes('stand-in')) hasMatplotlib = false;
    expect(runs.status).toBe('pass');
    const needy = withVerify('needy', source.replace('def main():', 'import matplotlib.pyplot as plt\n\n\ndef main():\n    fig, ax, extra = plt.subplots(1, 3)'));
    const outcome = await run(needy);
    if (hasMatplotlib) expect(outcome.status).toBe('pass');
    else {
      expect(outcome.status).toBe('skip');
      expect(outcome.message).toBe("verify.py needs matplotlib, which the grader's Python does not have: it could not run to its end here (not held against you)");
    }
  });

  it('skips a script that needs a module the grader lacks, and fails one that never calls the learner', async () => {
    const missing = await run(withVerify('missing', 'import rubricate_no_such_module\n'));
    expect(missing).toMatchObject({
      status: 'skip',
      message: "verify.py imports rubricate_no_such_module, which the grader's Python does not have: not run here (not held against you)",
      location: { file: 'verify.py', line: 1 },
    });
    const unrelated = await run(withVerify('unrelated', 'for m, n in [(0, 1), (3, 7), (5, 5), (10, 12), (20, 8)]:\n    print(m, n, 0.5, 0.5)\n'), { output: null });
    expect(unrelated).toMatchObject({ status: 'fail', message: 'verify.py runs but never calls a function of rope.py: it verifies some other code' });
  });

  it('runs the learner code that is on disk when verify.py imports it, under the path it imports it by', async () => {
    // The tasks process compiles rope.py once for every run; a run must still see what Python would.
    const source = readFileSync(join(ok, 'verify.py'), 'utf8');
    const here = 'os.path.dirname(os.path.abspath(__file__))';
    const renamed = withVerify(
      'renamed',
      source
        .replace(`sys.path.insert(0, ${here})`, `sys.path.insert(0, os.path.join(${here}, '.'))`)
        .replace(
          'def main():',
          `def main():\n    code = getattr(apply_rope, '__wrapped__', apply_rope).__code__\n    assert code.co_filename == os.path.join(${here}, '.', 'rope.py'), code.co_filename\n`,
        ),
    );
    expect(await run(renamed)).toMatchObject({ status: 'pass' });
    const rewritten = withVerify(
      'rewritten',
      source
        .replace(`sys.path.insert(0, ${here})`, `with open(os.path.join(${here}, 'rope.py'), 'a') as f:\n    f.write('\\n\\ndef rubricate_marker():\\n    return 42\\n')\nsys.path.insert(0, ${here})`)
        .replace('def main():', 'def main():\n    import rope\n    assert rope.rubricate_marker() == 42\n'),
    );
    expect(await run(rewritten)).toMatchObject({ status: 'pass' });
    // A file beside rope.py that does not compile: the run meets the error as Python would.
    const broken = withVerify('broken-helper', source.replace('def main():', 'def main():\n    import helper\n'));
    writeFileSync(join(broken, 'helper.py'), 'def late(:\n    pass\n');
    const failing = await run(broken);
    expect(failing).toMatchObject({ status: 'fail', location: { file: 'verify.py' } });
    expect(failing.message).toMatch(/SyntaxError/);
    // A file whose compile warns: the warning is the run's, and a script that makes warnings errors fails on it.
    const warned = withVerify('warned-helper', source.replace('def main():', 'def main():\n    import warnings\n    warnings.simplefilter("error")\n    import helper\n'));
    writeFileSync(join(warned, 'helper.py'), 'def check(x):\n    return x is 1\n');
    const strict = await run(warned);
    expect(strict).toMatchObject({ status: 'fail' });
    expect(strict.message).toMatch(/SyntaxError: "is" with a literal/);
  });

  it("locates a failing verify.py at the learner's line, with learner frames only", async () => {
    const failing = await run(withVerify('failing', 'from rope import precompute_rope\n\ncos, sin = precompute_rope(4, 8)\nassert cos[1, 0] == 2.0, "cos is not 2"\n'));
    expect(failing).toMatchObject({ status: 'fail', message: 'verify.py fails on your own rope.py: AssertionError: cos is not 2', location: { file: 'verify.py', line: 4 } });
    const traceback = failing.details?.[0]?.message ?? '';
    expect(traceback).toContain('File "verify.py", line 4, in <module>');
    expect(traceback).not.toMatch(/frozen|runpy|tasks\.py|\/tmp\//);
    const broken = await run(withVerify('broken', 'from rope import precompute_rope\n\nprint(precompute_rope(4, 8)\n'));
    expect(broken).toMatchObject({ status: 'fail', location: { file: 'verify.py', line: 3 } });
    expect(broken.message).toMatch(/^verify\.py fails on your own rope\.py: .*SyntaxError: '\(' was never closed/);
  });
});
