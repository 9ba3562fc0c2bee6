/**
 * Reading a submission file safely (src/input/safe-read.ts) and the one file
 * list (src/input/listing.ts), on the entries a hostile submission can hold:
 * FIFOs, sockets, devices, links out of the folder, hard links, sparse and
 * growing files, names that are not text. Special files are made at run
 * time (git cannot store them). Every FIFO read happens in a child process
 * with a kill timer, so a regression that blocks fails the test instead of
 * hanging the run.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listSubmission, planCopy } from '../../src/input/listing.js';
import { readResolvedFile, readSubmissionFile, realRootOf, refusal } from '../../src/input/safe-read.js';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
let root: string;
let outside: string;
let token: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'rubricate-safe-read-'));
  outside = mkdtempSync(join(tmpdir(), 'rubricate-host-'));
  token = `HOST-SECRET-${randomBytes(8).toString('hex')}`;
  writeFileSync(join(outside, 'secret.txt'), `${token}\n`);
  writeFileSync(join(root, 'ok.md'), '# fine\n');
  execFileSync('mkfifo', [join(root, 'fifo.md')]);
  // A socket file stays after its server is gone when the process exits without unlinking it.
  execFileSync('python3', ['-c', `import socket; s = socket.socket(socket.AF_UNIX); s.bind(${JSON.stringify(join(root, 'socket.md'))})`]);
  if (isRoot) execFileSync('mknod', [join(root, 'zero.png'), 'c', '1', '5']);
  symlinkSync('/dev/zero', join(root, 'dev-zero.json'));
  symlinkSync(join(outside, 'secret.txt'), join(root, 'link-out.md'));
  symlinkSync('fifo.md', join(root, 'link-to-fifo.md'));
  linkSync(join(outside, 'secret.txt'), join(root, 'hard-link.md'));
  writeFileSync(join(root, 'sparse.md'), '');
  truncateSync(join(root, 'sparse.md'), 64 * 1024 ** 3);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/**
 * Runs `readSubmissionFile` in a child process (killed after 60 s: a blocking
 * open or read fails the test instead of hanging it) and returns its result.
 */
function readInChild(rel: string, maxBytes = 1024 * 1024): { ok: boolean; problem?: string; message?: string; length?: number } {
  const module = new URL('../../dist/input/safe-read.js', import.meta.url).pathname;
  expect(existsSync(module), 'dist/ is missing: run npm run build').toBe(true);
  const script = `
    const { readSubmissionFile } = await import(${JSON.stringify(module)});
    const r = readSubmissionFile(${JSON.stringify(root)}, ${JSON.stringify(rel)}, { maxBytes: ${maxBytes} });
    process.stdout.write(JSON.stringify(r.ok ? { ok: true, length: r.data.length } : r));`;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 60_000,
    killSignal: 'SIGKILL',
  });
  expect(child.signal, `reading ${rel} did not finish: ${child.stderr}`).toBeNull();
  return JSON.parse(child.stdout) as { ok: boolean; problem?: string; message?: string };
}

describe('readSubmissionFile', () => {
  it('reads a regular file within the cap', () => {
    const read = readSubmissionFile(root, 'ok.md', { maxBytes: 1024 });
    expect(read.ok && read.data.toString()).toBe('# fine\n');
  });

  it('refuses a FIFO without blocking, directly and through a link', () => {
    expect(readInChild('fifo.md')).toMatchObject({ ok: false, problem: 'not-a-file', message: 'fifo.md is a FIFO (named pipe), not a regular file' });
    expect(readInChild('link-to-fifo.md')).toMatchObject({ ok: false, problem: 'not-a-file', message: 'link-to-fifo.md is a FIFO (named pipe), not a regular file' });
  });

  it('refuses a socket and a device node in the submission', () => {
    expect(readSubmissionFile(root, 'socket.md', { maxBytes: 1024 })).toMatchObject({ ok: false, problem: 'not-a-file', message: 'socket.md is a socket, not a regular file' });
    if (isRoot) {
      expect(readInChild('zero.png')).toMatchObject({ ok: false, problem: 'not-a-file', message: 'zero.png is a character device, not a regular file' });
    }
  });

  it('refuses links leaving the submission (to /dev/zero, to a host file) without reading them', () => {
    expect(readInChild('dev-zero.json')).toMatchObject({ ok: false, problem: 'outside-root', message: 'dev-zero.json is a link to a place outside the submission folder' });
    const out = readSubmissionFile(root, 'link-out.md', { maxBytes: 1024 });
    expect(out).toMatchObject({ ok: false, problem: 'outside-root' });
    expect(JSON.stringify(out)).not.toContain(token);
  });

  it('refuses a file with more than one hard link (here: a host file linked into the submission)', () => {
    const read = readSubmissionFile(root, 'hard-link.md', { maxBytes: 1024 });
    expect(read).toMatchObject({ ok: false, problem: 'hard-link' });
    expect(!read.ok && read.message).toMatch(/^hard-link\.md has 2 hard links; only files with one are read/);
    expect(JSON.stringify(read)).not.toContain(token);
  });

  it('refuses a sparse 64 GiB file from its size, without reading it', () => {
    expect(readSubmissionFile(root, 'sparse.md', { maxBytes: 2 * 1024 * 1024 })).toEqual({
      ok: false,
      path: 'sparse.md',
      problem: 'too-large',
      message: 'sparse.md is too large (65536.0 MiB, limit 2.0 MiB)',
    });
  });

  it('does not follow a link to a folder, even one inside the submission (the file list does not either)', () => {
    mkdirSync(join(root, 'real-folder'));
    writeFileSync(join(root, 'real-folder', 'inner.md'), 'inner\n');
    symlinkSync('real-folder', join(root, 'folder-link'));
    try {
      expect(readSubmissionFile(root, 'real-folder/inner.md', { maxBytes: 100 })).toMatchObject({ ok: true });
      expect(readSubmissionFile(root, 'folder-link/inner.md', { maxBytes: 100 })).toEqual({
        ok: false,
        path: 'folder-link/inner.md',
        problem: 'unreadable',
        message: 'folder-link/inner.md is reached through a link to a folder, which is not followed (copy the folder instead of linking it)',
      });
      expect(listSubmission(root).refused).toContainEqual({ rel: 'folder-link', reason: 'symlink to a folder' });
    } finally {
      rmSync(join(root, 'folder-link'));
      rmSync(join(root, 'real-folder'), { recursive: true });
    }
  });

  it('refuses paths that leave the folder', () => {
    for (const bad of ['../x', '/etc/passwd', 'a/../../x']) {
      expect(readSubmissionFile(root, bad, { maxBytes: 1024 })).toMatchObject({ ok: false, problem: 'outside-root' });
    }
  });

  it('re-checks the opened file: a path swapped to a place outside after the check is refused', () => {
    // What a folder replaced by a link between the check and the open would give: the open lands outside.
    writeFileSync(join(outside, 'other.txt'), `${token}\n`);
    const swapped = readResolvedFile(realRootOf(root), { ok: true, rel: 'ok.md', real: join(realRootOf(outside), 'other.txt'), size: 10 }, 1024);
    expect(swapped).toMatchObject({ ok: false, problem: 'outside-root', message: 'ok.md is a link to a place outside the submission folder' });
    expect(JSON.stringify(swapped)).not.toContain(token);
  });

  it('never returns more than the cap from a file that grows while it is read', async () => {
    const growing = join(root, 'growing.log');
    writeFileSync(growing, 'start\n');
    const cap = 1024 * 1024;
    // A writer appending 64 KiB blocks up to 256 MiB; the reads start once it is past the cap and go on while it writes.
    const writer = spawn(process.execPath, ['-e', `const fs=require('fs');const fd=fs.openSync(${JSON.stringify(growing)},'a');const b=Buffer.alloc(65536,120);for(let i=0;i<4096;i++)fs.writeSync(fd,b);`]);
    const exited = new Promise((done) => writer.once('close', done));
    try {
      let writing = true;
      void exited.then(() => (writing = false));
      while (writing && statSync(growing).size <= cap) await new Promise((done) => setTimeout(done, 5));
      const seen = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const read = readSubmissionFile(root, 'growing.log', { maxBytes: cap });
        if (read.ok) expect(read.data.length).toBeLessThanOrEqual(cap);
        else expect(read.problem).toBe('too-large');
        seen.add(read.ok ? 'ok' : read.problem);
        await new Promise((done) => setImmediate(done));
      }
      expect(seen).toContain('too-large');
    } finally {
      writer.kill('SIGKILL');
      await exited;
      rmSync(growing, { force: true });
    }
  });

  it('refusal is the one rule: regular files with one link only', () => {
    writeFileSync(join(root, 'one.txt'), 'x');
    writeFileSync(join(root, 'two.txt'), 'y');
    linkSync(join(root, 'two.txt'), join(root, 'two-again.txt'));
    try {
      expect(refusal(lstatSync(join(root, 'one.txt')))).toBeUndefined();
      expect(refusal(lstatSync(join(root, 'two.txt')))).toMatchObject({ problem: 'hard-link', reason: '2 hard links; only files with one are copied' });
      expect(refusal(lstatSync(root))).toMatchObject({ problem: 'not-a-file', why: 'is a folder, not a file' });
      expect(refusal(lstatSync(join(root, 'fifo.md')))).toMatchObject({ problem: 'not-a-file', why: 'is a FIFO (named pipe), not a regular file' });
    } finally {
      for (const f of ['one.txt', 'two.txt', 'two-again.txt']) rmSync(join(root, f));
    }
  });
});

describe('listSubmission: the one file list', () => {
  it('lists regular files, refuses every special entry with its reason, and opens none of them', () => {
    const listing = listSubmission(root);
    expect(listing.files.map((f) => f.rel)).toEqual(['ok.md', 'sparse.md']);
    const refused = Object.fromEntries(listing.refused.map((r) => [r.rel, r.reason]));
    expect(refused).toMatchObject({
      'fifo.md': 'a FIFO (named pipe), not a regular file',
      'link-to-fifo.md': 'a FIFO (named pipe), not a regular file',
      'socket.md': 'a socket, not a regular file',
      'dev-zero.json': 'symlink leaving the submission: /dev/zero',
      'hard-link.md': '2 hard links; only files with one are copied',
    });
    expect(refused['link-out.md']).toMatch(/^symlink leaving the submission: /);
    if (isRoot) expect(refused['zero.png']).toBe('a character device, not a regular file');
    // The sandbox copy names every one of them, and the sparse file as over the cap.
    const plan = planCopy(listing);
    expect(plan.files.map((f) => f.rel)).toEqual(['ok.md']);
    expect(plan.skipped).toContain('fifo.md (a FIFO (named pipe), not a regular file)');
    expect(plan.skipped).toContain(`sparse.md (${64 * 1024 ** 3} bytes, over the per-file cap)`);
  });

  it('keeps names with control characters, newlines, bidi overrides and 255 bytes as plain strings; refuses names that are not UTF-8', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-names-'));
    try {
      const names = ['line\nbreak.txt', 'esc\x1b[31mred.txt', 'bidi\u202Etxt.py', 'tick`<img src=x onerror=alert(1)>`.md', `${'n'.repeat(251)}.txt`];
      for (const name of names) writeFileSync(join(dir, name), 'x');
      execFileSync('python3', ['-c', `open(${JSON.stringify(dir)}.encode() + b'/bad\\xff\\xfe.txt', 'w').write('x')`]);
      const listing = listSubmission(dir);
      expect(listing.files.map((f) => f.rel).sort()).toEqual([...names].sort());
      expect(listing.refused).toEqual([{ rel: 'bad\uFFFD\uFFFD.txt', reason: 'name is not valid UTF-8' }]);
      for (const name of names) expect(readSubmissionFile(dir, name, { maxBytes: 10 })).toMatchObject({ ok: true, path: name });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves tool folders out (.git, .ipynb_checkpoints, __pycache__...) and stops at the entry cap', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-many-'));
    try {
      for (const skipped of ['.git', '.ipynb_checkpoints', '__pycache__', 'node_modules']) {
        mkdirSync(join(dir, skipped));
        writeFileSync(join(dir, skipped, 'x.py'), 'x');
      }
      mkdirSync(join(dir, 'many'));
      for (let i = 0; i < 300; i++) writeFileSync(join(dir, 'many', `f${i}.txt`), '');
      expect(listSubmission(dir).files).toHaveLength(300);
      const capped = listSubmission(dir, 100);
      expect(capped.truncated).toBe(true);
      expect(capped.files.length).toBeLessThan(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
