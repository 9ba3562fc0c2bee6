import { Command, CommanderError } from 'commander';
import { RubricateError, formatLocation } from '../core/errors.js';
import { toolVersion } from '../core/paths.js';
import { terminalText } from '../reporters/escape.js';
import { registerClaims } from './commands/claims.js';
import { registerFindings } from './commands/findings.js';
import { registerGrade } from './commands/grade.js';
import { registerMerge } from './commands/merge.js';
import { registerRubric } from './commands/rubric.js';
import { registerVerify } from './commands/verify.js';

/**
 * The command line is thin: it parses arguments, calls the library and
 * writes what a reporter returns. Exit codes: 0 ok, 1 findings, 2 usage or
 * configuration error (one line, no stack trace).
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('rubricate')
    .description('Grade machine-learning labs and verify course material against the literature.')
    .version(toolVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    .exitOverride()
    .addHelpText(
      'after',
      `
Quick start:
  $ rubricate grade fixtures/rope-lab02/ok-interleaved     grade the bundled example
  $ rubricate rubric list                                  which rubrics are installed
  $ rubricate grade <dir> --format json -o report.json     the report CI builds on

Exit codes: 0 no check failed, 1 a check failed or errored, 2 usage or configuration error.
Set NO_COLOR=1 to turn colours off, RUBRICATE_DEBUG=1 to see stack traces of internal errors.`,
    );
  registerGrade(program);
  registerMerge(program);
  registerRubric(program);
  registerVerify(program);
  registerFindings(program);
  registerClaims(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error);
  }
}

function reportError(error: unknown): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other parse error is a usage error (commander already printed it).
    return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
  }
  if (error instanceof RubricateError) {
    // One line: a path or a quoted value in the message may be a learner's.
    const where = error.location ? `${formatLocation(error.location)}: ` : '';
    process.stderr.write(`rubricate: ${terminalText(where + error.message)}\n`);
    return 2;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`rubricate: internal error: ${terminalText(message.split('\n')[0]!)} (please report this; RUBRICATE_DEBUG=1 shows the stack)\n`);
  if (process.env.RUBRICATE_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  return 2;
}
