import { afterEach, describe, expect, it, vi } from 'vitest';
import { useColor } from '../../src/cli/output.js';

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
