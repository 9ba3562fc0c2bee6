import { afterEach, describe, expect, it, vi } from 'vitest';
import { reporterFor, useColor } from '../../src/cli/output.js';
import { reporterNames, reporters } from '../../src/reporters/index.js';

describe('useColor', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('FORCE_COLOR forces colour on, FORCE_COLOR=0 or false turns it off even on a terminal, NO_COLOR wins', () => {
    const wasTTY = Object.getOwnPropertyDescriptor(process.stdout, 'isTTY');
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      vi.stubEnv('NO_COLOR', '');
      for (const [force, expected] of [['1', true], ['3', true], ['0', false], ['false', false]] as const) {
        vi.stubEnv('FORCE_COLOR', force);
        expect(useColor(), `FORCE_COLOR=${force}`).toBe(expected);
      }
      vi.stubEnv('FORCE_COLOR', '1');
      vi.stubEnv('NO_COLOR', '1');
      expect(useColor()).toBe(false);
      vi.stubEnv('NO_COLOR', '');
      expect(useColor('report.txt')).toBe(false);
    } finally {
      if (wasTTY) Object.defineProperty(process.stdout, 'isTTY', wasTTY);
      else delete (process.stdout as { isTTY?: boolean }).isTTY;
    }
  });
});

describe('reporterFor', () => {
  it('loads, for every format, the same reporter as the list of all reporters', async () => {
    for (const name of reporterNames()) {
      expect(await reporterFor(name, [name])).toBe(reporters[name]);
      expect(await reporterFor(name)).toBe(reporters[name]);
    }
  });

  it('refuses a format that is not allowed or does not exist', async () => {
    await expect(reporterFor('sarif', ['json'])).rejects.toThrow("unknown format 'sarif', expected one of json");
    await expect(reporterFor('toString', ['json', 'toString'])).rejects.toThrow("unknown format 'toString'");
    await expect(reporterFor('nope')).rejects.toThrow(/unknown format 'nope'/);
  });
});
