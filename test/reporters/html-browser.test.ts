/**
 * The HTML report end to end, in a real browser: a small class of lab
 * fixtures graded by the built CLI with --format html, then the class page
 * and a learner page opened in Debian's Chromium through playwright-core.
 * Screenshots go to test-artifacts/html/ (CI keeps them; git ignores them).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { machine, needs } from '../helpers/machine.js';

const bin = new URL('../../dist/cli/bin.js', import.meta.url).pathname;
const labFixtures = new URL('../../fixtures/rope-lab02/', import.meta.url).pathname;
const artifacts = new URL('../../test-artifacts/html/', import.meta.url).pathname;
describe('HTML report in Chromium', needs('chromium'), () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rubricate-html-'));
  const out = join(tmp, 'graded');
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    const folders = ['ok-interleaved', 'bug-exponent-4i', 'not-ok-writeup-todo'].map((n) => join(labFixtures, n));
    const graded = spawnSync(process.execPath, [bin, 'grade', ...folders, '--rubric', 'rope-lab02', '--out', out, '--format', 'html'], {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', CI: '1', GITHUB_ACTIONS: '' },
    });
    expect(graded.stderr).not.toMatch(/internal error/);
    expect([0, 1]).toContain(graded.status);
    mkdirSync(artifacts, { recursive: true });
    browser = await chromium.launch({
      // Debian's chromium (/usr/bin/chromium, installed by .ci/run), as the machine probe found it; no browser download.
      executablePath: machine().chromium.detail,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  async function open(file: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') errors.push(`${file}: ${message.text()}`);
    });
    page.on('pageerror', (error) => errors.push(`${file}: ${error.message}`));
    // Self-contained: any request for something other than the page's own files is an error.
    page.on('request', (request) => {
      if (!request.url().startsWith('file://')) errors.push(`${file}: requested ${request.url()}`);
    });
    await page.goto(`file://${join(out, file)}`);
    return page;
  }

  it('the class page loads, draws its charts, sorts its table and links to every learner', async () => {
    const page = await open('report.html');
    await page.screenshot({ path: join(artifacts, 'class.png'), fullPage: true });
    expect(await page.title()).toContain('Lab 02');
    // Two charts (score distribution, failure rate per check), each with drawn bars.
    const figures = page.locator('figure svg');
    expect(await figures.count()).toBe(2);
    expect(await page.locator('figure svg path.mark-rect, figure svg .mark-rect path').count()).toBeGreaterThan(0);
    const names = () => page.locator('#learners tbody tr td:first-child').allTextContents();
    expect((await names()).sort()).toEqual(['bug-exponent-4i', 'not-ok-writeup-todo', 'ok-interleaved']);
    // Sorting by score: the lowest first, then the highest first.
    const scores = async () => (await page.locator('#learners tbody tr td:nth-child(2)').evaluateAll((cells) => cells.map((c) => Number((c as HTMLElement).dataset.value))));
    await page.locator('#learners th', { hasText: 'score' }).click();
    const ascending = await scores();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.locator('#learners th', { hasText: 'score' }).click();
    const descending = await scores();
    expect(descending).toEqual([...ascending].reverse());
    // Every learner link opens that learner's page.
    const links = await page.locator('#learners tbody a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).getAttribute('href')));
    expect(links).toHaveLength(3);
    await page.locator('#learners tbody a', { hasText: 'bug-exponent-4i' }).click();
    await page.waitForURL(/bug-exponent-4i\.html$/);
    expect(await page.locator('h1').textContent()).toBe('Feedback: bug-exponent-4i');
    await page.close();
  });

  it("a learner page shows the findings and plots of what the learner's code did", async () => {
    const page = await open('html/bug-exponent-4i.html');
    await page.screenshot({ path: join(artifacts, 'learner.png'), fullPage: true });
    expect(await page.locator('#check-code-frequencies').textContent()).toContain('Likely cause');
    // The decay plot: two lines (the learner's and the reference), with points.
    const decay = page.locator('#check-code-decay figure svg');
    expect(await decay.count()).toBeGreaterThan(0);
    expect(await decay.first().locator('.mark-line path').count()).toBe(2);
    expect(await page.locator('#check-code-decay figcaption').first().textContent()).toContain('Long-term decay');
    // The back link reaches the class page.
    await page.locator('nav a').click();
    await page.waitForURL(/report\.html$/);
    await page.close();
  });

  it('no page logged an error or asked the network for anything', () => {
    expect(errors).toEqual([]);
    // Nothing external in the files themselves either.
    for (const file of ['report.html', 'html/ok-interleaved.html']) {
      const html = readFileSync(join(out, file), 'utf8');
      expect(html).not.toMatch(/<(link|script)[^>]+(src|href)=/);
      expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
    }
  });
});
