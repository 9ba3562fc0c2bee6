import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Learner code runs in subprocesses; two workers match a 2-core machine.
    maxWorkers: 2,
  },
});
