import { describe, expect, it } from 'vitest';
import { formatSeconds } from '../../src/core/duration.js';

describe('formatSeconds', () => {
  it('states a limit as it is, never rounded into another one', () => {
    expect(formatSeconds(300)).toBe('300 ms');
    expect(formatSeconds(999.6)).toBe('1000 ms');
    expect(formatSeconds(1000)).toBe('1 s');
    expect(formatSeconds(1500)).toBe('1.5 s');
    expect(formatSeconds(1250)).toBe('1.25 s');
    expect(formatSeconds(2500)).toBe('2.5 s');
    expect(formatSeconds(60_000)).toBe('60 s');
    expect(formatSeconds(600_000)).toBe('600 s');
  });
});
