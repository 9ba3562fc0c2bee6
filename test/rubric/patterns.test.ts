import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { defaultRegistry } from '../../src/checks/registry.js';
import { parseRubric } from '../../src/rubric/load.js';

describe('rubric patterns are checked when the rubric loads', () => {
  it('reports every pattern that cannot run, at its line and column', () => {
    const file = 'fixtures/rubrics/bad-patterns.yaml';
    let problems: ConfigError['problems'] = [];
    try {
      parseRubric(readFileSync(file, 'utf8'), file, defaultRegistry);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      problems = (error as ConfigError).problems;
    }
    const shown = problems.map((p) => `${p.location?.line}:${p.location?.column} ${p.message}`);
    expect(shown).toEqual([
      "8:17 subject.names[1]: missing ')' at character 8 of '(rotary'",
      "23:15 criterion 'statements': unexpected ')' in pattern at character 20 of 'decay* ..4 distance)'",
      "24:15 criterion 'statements': lookbehind '(?<=r_)' is not supported in rubric patterns (they run in linear time, without backtracking) at character 1 of '(?<=r_)\\(n-m\\)'",
      "33:17 criterion 'mentions': backreference '\\1' is not supported in rubric patterns (they run in linear time, without backtracking) at character 6 of /(ab)\\1/",
    ]);
  });

  it('accepts the bundled verification rubric', () => {
    const file = 'rubrics/rope-build-prompt.yaml';
    expect(() => parseRubric(readFileSync(file, 'utf8'), file, defaultRegistry)).not.toThrow();
  });
});
