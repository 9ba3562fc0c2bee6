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
    expect((await pickBatchRubric(nameSubmissions([dir]), undefined)).id).toBe('rope-lab02');
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
