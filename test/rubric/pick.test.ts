/**
 * Picking a rubric from a submission's manifest.json, for one submission and
 * for a batch: the manifest is read like the manifest check reads it.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pickBatchRubric } from '../../src/batch/pick.js';
import { nameSubmissions } from '../../src/batch/submissions.js';
import { ConfigError } from '../../src/core/errors.js';
import { pickRubric } from '../../src/rubric/pick.js';

const okLab = 'fixtures/rope-lab02/ok-interleaved';
let scratch: string;

/** A copy of the correct lab whose manifest.json is replaced by `make(path)`. */
function labWithManifest(name: string, make: (manifest: string) => void): string {
  const dir = join(scratch, name);
  cpSync(okLab, dir, { recursive: true });
  const manifest = join(dir, 'manifest.json');
  unlinkSync(manifest);
  make(manifest);
  return dir;
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rubricate-pick-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('picking a rubric from manifest.json', () => {
  it('reads a UTF-16 manifest (with its byte-order mark), as the manifest check does', async () => {
    const text = readFileSync(join(okLab, 'manifest.json'), 'utf8');
    const dir = labWithManifest('utf16', (manifest) => writeFileSync(manifest, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')])));
    expect((await pickRubric(dir, undefined)).id).toBe('rope-lab02');
    expect((await pickBatchRubric(nameSubmissions([dir]), undefined)).rubric.id).toBe('rope-lab02');
  });

  it('never opens a FIFO named manifest.json (opening it would block forever)', { timeout: 15_000 }, async () => {
    const dir = labWithManifest('fifo', (manifest) => execFileSync('mkfifo', [manifest]));
    await expect(pickRubric(dir, undefined)).rejects.toThrow(ConfigError);
    await expect(pickRubric(dir, undefined)).rejects.toThrow('no readable manifest.json');
    await expect(pickBatchRubric(nameSubmissions([dir]), undefined)).rejects.toThrow('cannot choose a rubric for the batch');
  });

  it('does not follow a manifest.json link out of the submission folder', async () => {
    const outside = join(scratch, 'elsewhere');
    mkdirSync(outside);
    writeFileSync(join(outside, 'manifest.json'), JSON.stringify({ experiment: '16-rope' }));
    const dir = labWithManifest('linked', (manifest) => symlinkSync(join(outside, 'manifest.json'), manifest));
    await expect(pickRubric(dir, undefined)).rejects.toThrow('no readable manifest.json');
  });
});

describe('picking the rubric of a batch', () => {
  const installed = new URL('../../fixtures/rubrics/installed', import.meta.url).pathname;
  const withInstalled = async <T>(body: () => Promise<T>): Promise<T> => {
    const saved = process.env.RUBRICATE_RUBRICS;
    process.env.RUBRICATE_RUBRICS = installed;
    try {
      return await body();
    } finally {
      if (saved === undefined) delete process.env.RUBRICATE_RUBRICS;
      else process.env.RUBRICATE_RUBRICS = saved;
    }
  };
  const manifestNaming = (experiment: unknown) => (manifest: string) =>
    writeFileSync(manifest, JSON.stringify({ ...JSON.parse(readFileSync(join(okLab, 'manifest.json'), 'utf8')), experiment }));

  it('grades with the rubric most manifests name; a manifest naming another installed rubric gets a reason, not a stop', async () => {
    const dirs = [
      labWithManifest('major-1', manifestNaming('16-rope')),
      labWithManifest('major-2', manifestNaming('16-rope')),
      labWithManifest('other', manifestNaming('17-attention')),
      // Data that names no rubric: graded with the batch's rubric, whose manifest checks say what is wrong.
      labWithManifest('not-string', manifestNaming(['16-rope', '17-attention'])),
      labWithManifest('huge', (m) => writeFileSync(m, JSON.stringify({ experiment: '17-attention', pad: 'x'.repeat(3 * 1024 * 1024) }))),
      labWithManifest('deep', (m) => writeFileSync(m, `{"experiment": "16-rope", "x": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`)),
    ];
    const picked = await withInstalled(() => pickBatchRubric(nameSubmissions(dirs), undefined));
    expect(picked.rubric.id).toBe('rope-lab02');
    // The deep manifest is valid JSON and counts like any other; the huge one (over 1 MiB) names nothing.
    expect([...picked.elsewhere.keys()]).toEqual([join(scratch, 'other')]);
    expect(picked.elsewhere.get(join(scratch, 'other'))).toBe(
      `manifest.json names experiment "17-attention", which rubric 'attention-lab03' grades; this batch grades with rubric 'rope-lab02' (named by 3 of 4 manifests), so this submission was not graded: grade it on its own with --rubric attention-lab03`,
    );
  });

  it('a tie between rubrics is a usage error naming both; --rubric settles it', async () => {
    const dirs = [labWithManifest('tie-a', manifestNaming('16-rope')), labWithManifest('tie-b', manifestNaming('17-attention'))];
    await withInstalled(async () => {
      await expect(pickBatchRubric(nameSubmissions(dirs), undefined)).rejects.toThrow(
        /^the submissions' manifests point to different rubrics as often: attention-lab03 \(1, e\.g\. .*\), rope-lab02 \(1, e\.g\. .*\); a batch grades with one rubric, pass --rubric$/,
      );
      const chosen = await pickBatchRubric(nameSubmissions(dirs), 'rope-lab02');
      expect(chosen.rubric.id).toBe('rope-lab02');
      expect(chosen.elsewhere.size).toBe(0);
    });
  });
});
