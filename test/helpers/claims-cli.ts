/**
 * `rubricate claims ...` run in-process through its commander registration:
 * what it printed on stdout and the exit code it set.
 */
import { Command } from 'commander';
import { vi } from 'vitest';
import { registerClaims } from '../../src/cli/commands/claims.js';

export async function runClaims(...args: string[]): Promise<{ stdout: string; code: number }> {
  const program = new Command().exitOverride();
  registerClaims(program);
  let stdout = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    await program.parseAsync(['node', 'rubricate', 'claims', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  process.exitCode = undefined;
  return { stdout, code };
}
