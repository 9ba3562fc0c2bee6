import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Registry } from '../../src/checks/registry.js';
import { ConfigError } from '../../src/core/errors.js';
import { listRubricFiles, loadRubricFile, mayNameIn, parseRubric } from '../../src/rubric/load.js';
import { echoKind } from '../helpers/echo-kind.js';

const registry = new Registry([echoKind]);
const fixture = (name: string) => `fixtures/rubrics/${name}`;
const load = (name: string) => parseRubric(readFileSync(fixture(name), 'utf8'), fixture(name), registry);

function problemsOf(name: string) {
  try {
    load(name);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`${name} loaded without error`);
}

describe('rubric loading', () => {
  it('loads a valid rubric and fills defaults', () => {
    const rubric = load('ok-minimal.yaml');
    expect(rubric.id).toBe('minimal');
    expect(rubric.criteria[0]!.severity).toBe('error');
    expect(rubric.criteria[0]!.visibility).toBe('learner');
    expect(rubric.criteria[0]!.source).toEqual({ file: 'fixtures/rubrics/ok-minimal.yaml', line: 10, column: 5 });
  });

  it('locates a misspelt key at its YAML line and suggests the right one', () => {
    const [problem] = problemsOf('bad-misspelt-key.yaml');
    expect(problem!.message).toContain("unknown key 'pionts'");
    expect(problem!.message).toContain("did you mean 'points'");
    expect(problem!.location).toEqual({ file: 'fixtures/rubrics/bad-misspelt-key.yaml', line: 13, column: 5 });
  });

  it('locates an unknown check kind and suggests the nearest', () => {
    const [problem] = problemsOf('bad-unknown-kind.yaml');
    expect(problem!.message).toContain("unknown check kind 'ecko'");
    expect(problem!.message).toContain("did you mean 'echo'");
    expect(problem!.location?.line).toBe(12);
  });

  it("validates options against the kind's own schema, located at the option", () => {
    const [problem] = problemsOf('bad-option.yaml');
    expect(problem!.message).toContain("unknown key 'colour'");
    expect(problem!.location).toMatchObject({ line: 17, column: 7 });
  });

  it('locates YAML syntax errors', () => {
    const [problem] = problemsOf('bad-yaml-syntax.yaml');
    expect(problem!.message).toMatch(/^YAML syntax/);
    expect(problem!.location?.line).toBeGreaterThanOrEqual(2);
  });

  it('refuses a YAML alias bomb with a located problem, not an internal error', () => {
    const [problem] = problemsOf('bad-alias-bomb.yaml');
    expect(problem!.message).toMatch(/^YAML aliases: /);
    expect(problem!.location).toEqual({ file: 'fixtures/rubrics/bad-alias-bomb.yaml', line: 4, column: 8 });
  });

  it('reads a rubric saved as UTF-16 (Windows "Unicode"), and refuses a binary file with a one-line problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rubricate-rubric-'));
    try {
      const utf16 = join(dir, 'utf16.yaml');
      writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(fixture('ok-minimal.yaml'), 'utf8'), 'utf16le')]));
      expect((await loadRubricFile(utf16, registry)).id).toBe('minimal');
      const binary = join(dir, 'binary.yaml');
      writeFileSync(binary, 'id: x\0\n');
      await expect(loadRubricFile(binary, registry)).rejects.toThrow(`invalid rubric ${binary}: ${binary} looks binary (NUL byte at offset 5); expected UTF-8 YAML`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a criterion in an unknown dimension', () => {
    const [problem] = problemsOf('bad-dimension.yaml');
    expect(problem!.message).toContain("unknown dimension 'cod'");
    expect(problem!.message).toContain("did you mean 'code'");
    expect(problem!.location?.line).toBe(14);
  });

  it('rejects duplicate criterion ids', () => {
    const text = readFileSync(fixture('ok-minimal.yaml'), 'utf8');
    const doubled = text + text.slice(text.indexOf('  - id: always'));
    expect(() => parseRubric(doubled, 'dup.yaml', registry)).toThrow(/duplicate criterion id 'always'/);
  });
});

describe('mayNameIn (which rubric files picking by experiment parses)', () => {
  it('finds a plain name however YAML delimits it, and not inside a longer name', () => {
    for (const text of ['experiment: ["16-rope"]', 'experiment: [16-rope]', "experiment: ['16-rope', x]", 'experiment:\n  - 16-rope\n', 'experiment: [a,16-rope]', '{"experiment":16-rope}', '16-rope']) {
      expect(mayNameIn(text, '16-rope')).toBe(true);
    }
    for (const text of ['experiment: ["16-rope-rust-struct"]', 'experiment: [x16-rope]', 'experiment: [16-rope.2]', 'experiment: [16-rope_b]', 'nothing here']) {
      expect(mayNameIn(text, '16-rope')).toBe(false);
    }
    // An escape could spell any name: a backslash anywhere means the file is parsed.
    expect(mayNameIn('experiment: ["16-rop\\x65"]', '16-rope')).toBe(true);
  });

  it('never skips a bundled rubric that names the experiment', async () => {
    const files = await listRubricFiles();
    let named = 0;
    for (const file of files) {
      const rubric = await loadRubricFile(file);
      for (const experiment of rubric.appliesTo.experiment ?? []) {
        if (!/^[A-Za-z0-9._-]+$/.test(experiment)) continue;
        named++;
        expect(mayNameIn(readFileSync(file, 'utf8'), experiment)).toBe(true);
      }
    }
    expect(named).toBeGreaterThan(1);
    // The case that cost a parse: rope-lab02's experiment is a prefix of rope-lab02-rust-struct's.
    const struct = files.find((f) => f.endsWith('rope-lab02-rust-struct.yaml'));
    expect(struct && mayNameIn(readFileSync(struct, 'utf8'), '16-rope')).toBe(false);
  });
});
