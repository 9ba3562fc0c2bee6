/**
 * Report injection through the newest learner-controlled output: verify.py's
 * printout and traceback, which the verify checks quote in their findings
 * (fixtures/runner/redteam/inject_verify.py carries HTML and script tags, a
 * GitHub workflow command on a line of its own, ANSI and OSC-8 sequences, a
 * bidi override, Markdown images, links and pipes, and code-span breakers).
 * Graded through the CLI at the default level in every single-report format,
 * and as a batch with the HTML class page and per-learner pages, a learner
 * folder name carrying HTML too: no format lets any of it act.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const bin = resolve('dist/cli/bin.js');
const work = mkdtempSync(join(tmpdir(), 'rubricate-redteam-inject-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function submission(name: string): string {
  const root = join(work, 'class', name);
  cpSync(resolve('fixtures/rope-lab02/ok-interleaved'), root, { recursive: true });
  cpSync(resolve('fixtures/runner/redteam/inject_verify.py'), join(root, 'verify.py'));
  return root;
}

function run(args: string[]): string {
  const out = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 ** 2, timeout: 600_000 });
  expect(out.status, out.stderr).toBe(1); // findings, not a crash
  return out.stdout;
}

/** What must never appear raw, per format. */
const ACTIVE_HTML = /<script>alert|<img src=x|<b>rt-bold/;
// Escaped brackets and angle brackets (`\[rt-click\](javascript:...)`, `\<script\>`) are text: only unescaped ones act.
const MARKDOWN_ACTIVE = /(?<!\\)!(?:\\?)\[rt\]\(https|(?<!\\)\[rt-click(?<!\\)\]\(javascript:|(?<!\\)<script>|(?<!\\)<img src=x|(?<!\\)<b>rt-bold/;
const ESCAPES = /\x1b|\u202e/;

describe('verify.py output quoted in findings cannot act in any report format', () => {
  const root = submission('mallory');

  it('terminal: no escape sequence, no bidi override, no line starting a workflow command', () => {
    const text = run(['grade', root, '-f', 'terminal', '-v']);
    expect(text).toContain('rt-workflow-command'); // the printout is quoted...
    expect(text).not.toMatch(ESCAPES);
    expect(text).not.toMatch(/^\s*::/m); // ...but no line of it is a workflow command
  }, 600_000);

  it('github: one annotation per finding, no injected command', () => {
    const text = run(['grade', root, '-f', 'github']);
    for (const line of text.split('\n').filter((l) => l.startsWith('::'))) expect(line).toMatch(/^::(error|warning|notice) /);
    expect(text).not.toContain('::add-mask::');
    expect(text).not.toMatch(ESCAPES);
  }, 600_000);

  it('markdown, html, junit: escaped for their format', () => {
    expect(run(['grade', root, '-f', 'markdown', '-v'])).not.toMatch(MARKDOWN_ACTIVE);
    const html = run(['grade', root, '-f', 'html', '-v']);
    expect(html).toContain('rt-xss');
    expect(html).not.toMatch(ACTIVE_HTML);
    expect(run(['grade', root, '-f', 'junit', '-v'])).not.toMatch(ACTIVE_HTML);
  }, 600_000);

  it('a batch (--jobs 2, html): feedback, summary, class page and learner pages', () => {
    submission('rt<b>name</b>');
    const out = join(work, 'out');
    run(['grade', ...readdirSync(join(work, 'class')).map((n) => join(work, 'class', n)), '--out', out, '-f', 'html', '--jobs', '2']);
    const files: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) (statSync(join(dir, name)).isDirectory() ? walk : (f: string) => files.push(f))(join(dir, name));
    };
    walk(out);
    expect(files.length).toBeGreaterThan(4);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      if (file.endsWith('.html')) expect(text.replaceAll(/<script>\nfor \(const table[\s\S]*?<\/script>/g, ''), file).not.toMatch(ACTIVE_HTML);
      if (file.endsWith('.md')) expect(text, file).not.toMatch(MARKDOWN_ACTIVE);
      expect(text, file).not.toMatch(ESCAPES);
    }
  }, 600_000);
});
