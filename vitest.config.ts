import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // dist/ built from the current sources (the CLI and thread tests run it), then the machine probed once.
    globalSetup: ['test/setup/build.ts', 'test/setup/machine.ts'],
    // The default report, then every skipped test with the reason this machine could not run it.
    reporters: ['default', './test/setup/skip-reporter.ts'],
    // A test that asserts nothing fails.
    expect: { requireAssertions: true },
    // Hang detectors, not speed limits: generous enough for a 2-core machine loaded many times over.
    testTimeout: 300_000,
    hookTimeout: 300_000,
    // Learner code runs in subprocesses; two workers match a 2-core machine.
    maxWorkers: 2,
  },
});
