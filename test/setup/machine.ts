/**
 * Global setup: probes the machine once per run (test/helpers/machine.ts),
 * prints what it found, and hands the answers to the test files. Python with
 * NumPy is a prerequisite of the suite (README, Quick start): without it the
 * run stops here with one line saying so, instead of failing hundreds of tests.
 */
import type { TestProject } from 'vitest/node';
import { describeMachine, probeMachine } from '../helpers/machine.js';

export default async function setup(project: TestProject): Promise<void> {
  const machine = await probeMachine();
  if (!machine.numpy.ok) throw new Error(`the test suite needs python3 with NumPy (README, Quick start): ${machine.numpy.detail}`);
  console.log(`\nWhat this machine offers the tests (tests needing what is missing are skipped, and listed at the end):\n${describeMachine(machine)}\n`);
  project.provide('machine', machine);
}
