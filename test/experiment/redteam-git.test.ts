/**
 * A hostile .git against the sandboxed git reader (src/experiment/git.ts), at
 * every isolation level this machine has: a .git that borrows another
 * learner's history (objects/info/alternates, a commondir, refs and objects
 * that are symbolic links into the other repository), a HEAD that is a link
 * to a host file or a FIFO, a ref name that climbs out, and a commit whose
 * message inflates to 64 MiB. The other learner's commit and file never
 * come back, nothing hangs, and the bomb ends as the repository's failure.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, constants as zlib } from 'node:zlib';
import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { GitRepository } from '../../src/experiment/git.js';
import { allLevels } from '../runner/levels.js';

const work = mkdtempSync(join(tmpdir(), 'rubricate-redteam-git-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: 'a', GIT_AUTHOR_EMAIL: 'a@example.org', GIT_COMMITTER_NAME: 'a', GIT_COMMITTER_EMAIL: 'a@example.org' };
const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-c', 'init.defaultBranch=main', ...args], { cwd, env, encoding: 'utf8' }).trim();

function repo(name: string, text: string): { root: string; commit: string; blob: string } {
  const root = join(work, name);
  mkdirSync(root, { recursive: true });
  git(root, 'init', '-q');
  writeFileSync(join(root, 'notes.md'), text);
  git(root, 'add', 'notes.md');
  git(root, 'commit', '-q', '-m', `${name} work`);
  return { root, commit: git(root, 'rev-parse', 'HEAD'), blob: git(root, 'rev-parse', 'HEAD:notes.md') };
}

const aliceToken = `alice_git_token_${randomBytes(8).toString('hex')}`;
const alice = repo('alice', `${aliceToken}\n`);
const aliceGit = join(alice.root, '.git');

function looseObjects(gitDir: string): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(join(gitDir, 'objects')).filter((d) => /^[0-9a-f]{2}$/.test(d))) {
    for (const file of readdirSync(join(gitDir, 'objects', dir))) out.push(`${dir}/${file}`);
  }
  return out;
}

let made = 0;
/** A fresh learner repository with one honest commit, then changed by `attack`. */
function mallory(attack: (gitDir: string) => void): string {
  const m = repo(`mallory-${made++}`, 'my own work\n');
  attack(join(m.root, '.git'));
  return m.root;
}

const BORROWERS: Array<{ name: string; attack: (gitDir: string) => void }> = [
  {
    name: 'objects/info/alternates naming the other repository, HEAD at its commit',
    attack: (g) => {
      writeFileSync(join(g, 'objects', 'info', 'alternates'), `${join(aliceGit, 'objects')}\n`);
      writeFileSync(join(g, 'refs', 'heads', 'main'), `${alice.commit}\n`);
    },
  },
  {
    name: 'a commondir pointing at the other repository',
    attack: (g) => {
      writeFileSync(join(g, 'commondir'), `${aliceGit}\n`);
      rmSync(join(g, 'refs'), { recursive: true });
      rmSync(join(g, 'objects'), { recursive: true });
    },
  },
  {
    name: "refs and loose objects that are symbolic links into the other repository",
    attack: (g) => {
      unlinkSync(join(g, 'refs', 'heads', 'main'));
      symlinkSync(join(aliceGit, 'refs', 'heads', 'main'), join(g, 'refs', 'heads', 'main'));
      for (const rel of looseObjects(aliceGit)) {
        mkdirSync(join(g, 'objects', rel.slice(0, 2)), { recursive: true });
        try {
          symlinkSync(join(aliceGit, 'objects', rel), join(g, 'objects', rel));
        } catch {
          // an object both have
        }
      }
    },
  },
  {
    name: 'packed-refs with a ref name that climbs out, HEAD at it',
    attack: (g) => {
      appendFileSync(join(g, 'packed-refs'), `${alice.commit} refs/heads/../../../../${aliceGit.slice(1)}/refs/heads/main\n`);
      writeFileSync(join(g, 'HEAD'), `ref: refs/heads/../../../../${aliceGit.slice(1)}/refs/heads/main\n`);
    },
  },
];

/** A loose object: zlib of "type size\0body". */
function writeObject(gitDir: string, type: string, body: Buffer): string {
  const data = Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]);
  const id = createHash('sha1').update(data).digest('hex');
  mkdirSync(join(gitDir, 'objects', id.slice(0, 2)), { recursive: true });
  writeFileSync(join(gitDir, 'objects', id.slice(0, 2), id.slice(2)), deflateSync(data, { level: zlib.Z_BEST_COMPRESSION }));
  return id;
}

describe('control: the borrowing attacks are real', () => {
  it('plain git in the repository shows the other learner\'s commit through alternates and commondir', () => {
    for (const attack of BORROWERS.slice(0, 2)) {
      const root = mallory(attack.attack);
      expect(git(root, 'log', '--format=%H', '-1')).toBe(alice.commit);
    }
  });
});

for (const { level, title, options } of allLevels) {
  describe(`a hostile .git at ${title}`, options, () => {
    for (const { name, attack } of BORROWERS) {
      it(`${name}: the other learner's commit and file never come back`, async () => {
        const root = mallory(attack);
        const opened = await GitRepository.open(root, { isolation: level });
        if (!opened.ok) {
          expect(JSON.stringify(opened)).not.toContain(aliceToken);
          return;
        }
        try {
          const log = await opened.repo.log();
          const blobs = await opened.repo.blobs([alice.blob], 1 << 20);
          const all = JSON.stringify({ log, blobs: blobs.ok ? [...blobs.blobs.values()].map((b) => b.toString('latin1')) : blobs });
          expect(all).not.toContain(aliceToken);
          expect(all).not.toContain(alice.commit);
          if (blobs.ok) expect(blobs.blobs.size).toBe(0);
        } finally {
          await opened.repo.close();
        }
      }, 180_000);
    }

    it('HEAD a link to a host file, a ref a FIFO: refused or read as absent, nothing hangs', async () => {
      const root = mallory((g) => {
        unlinkSync(join(g, 'HEAD'));
        symlinkSync(join(aliceGit, 'HEAD'), join(g, 'HEAD'));
        unlinkSync(join(g, 'refs', 'heads', 'main'));
        execFileSync('mkfifo', [join(g, 'refs', 'heads', 'main')]);
      });
      const opened = await GitRepository.open(root, { isolation: level });
      if (opened.ok) {
        try {
          const log = await opened.repo.log();
          expect(JSON.stringify(log)).not.toContain(alice.commit);
          if (!log.ok) expect(log.fault).toBe('repository');
        } finally {
          await opened.repo.close();
        }
      }
    }, 180_000);

    it('a commit whose message inflates to 64 MiB (4 times git log\'s output cap): the repository\'s failure, the grader unharmed', async () => {
      const root = mallory((g) => {
        const head = readFileSync(join(g, 'refs', 'heads', 'main'), 'utf8').trim();
        const tree = git(join(g, '..'), 'rev-parse', `${head}^{tree}`);
        const header = Buffer.from(`tree ${tree}\nparent ${head}\nauthor a <a@example.org> 1700000000 +0000\ncommitter a <a@example.org> 1700000000 +0000\n\n`);
        const id = writeObject(g, 'commit', Buffer.concat([header, Buffer.alloc(64 * 1024 ** 2, 0x61)]));
        writeFileSync(join(g, 'refs', 'heads', 'main'), `${id}\n`);
      });
      const opened = await GitRepository.open(root, { isolation: level });
      expect(opened.ok).toBe(true);
      if (!opened.ok) return;
      try {
        const log = await opened.repo.log();
        // Either git gave up within its limits, or rubricate refused the output's size; never a grader error.
        if (!log.ok) expect(log.fault).toBe('repository');
        else expect(log.log.commits.every((c) => c.subject.length < 20 * 1024 ** 2)).toBe(true);
      } finally {
        await opened.repo.close();
      }
    }, 300_000);
  });
}
