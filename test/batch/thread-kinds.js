/**
 * The check kinds of the thread-mode batch tests, as a registry module
 * (`BatchOptions.registryModule`): every grading thread imports it. The
 * built-in kinds (from dist/, what the threads run) plus the `probe` kind of
 * probe-answers.js, which can also take its thread down: answer.txt `crash`
 * throws outside any promise (an uncaught error), `exit` ends the thread,
 * `spin` never yields (only the main thread's watchdog can stop it).
 */
import { Registry, defaultRegistry } from '../../dist/checks/registry.js';
import { probeAnswer, probeOptionsSchema } from './probe-answers.js';

export const threadProbeKind = {
  name: 'probe',
  summary: 'does what answer.txt says, including killing its thread (tests only)',
  targets: ['lab'],
  optionsSchema: probeOptionsSchema,
  async run(ctx) {
    const file = await ctx.files.readText('answer.txt');
    const text = file.ok ? file.text.trim() : '';
    if (text === 'crash') {
      setImmediate(() => {
        throw new Error('grading thread crashed on purpose');
      });
      return new Promise(() => undefined);
    }
    if (text === 'exit') process.exit(3);
    if (text === 'spin') for (;;);
    return probeAnswer(ctx);
  },
};

export const registry = new Registry([...defaultRegistry.all(), threadProbeKind]);
