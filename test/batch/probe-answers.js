/**
 * What the test-only `probe` kind answers, from the submission's answer.txt:
 * `pass`, `partial`, `fail <diagnosis>`, `throw` (a crash inside the kind),
 * `sleep <ms>` (passes after that long), `environment` (an error that is the
 * machine's fault, as when a learner session cannot start) or `hang` (never
 * answers until aborted). Plain JavaScript, so that the grading
 * threads of a batch (which run the built dist/) can load it too:
 * probe-kind.ts wraps it for in-thread tests, thread-kinds.js for threads.
 *
 * @param {import('../../src/checks/kind.js').CheckContext} ctx
 * @returns {Promise<import('../../src/core/types.js').CheckOutcome>}
 */
export async function probeAnswer(ctx) {
  const file = await ctx.files.readText('answer.txt');
  if (!file.ok) return { status: 'fail', message: file.message, diagnosis: 'no answer.txt handed in' };
  const text = file.text.trim();
  if (text === 'pass') return { status: 'pass', message: 'answered pass' };
  if (text === 'partial') return { status: 'fail', credit: 0.5, message: 'half right', location: { file: 'answer.txt', line: 1 } };
  if (text === 'throw') throw new Error('probe crashed on purpose');
  if (text === 'environment') return { status: 'error', message: 'could not start the session', data: { environmentError: true } };
  const sleep = /^sleep (\d+)$/.exec(text);
  if (sleep) {
    await new Promise((resolve) => setTimeout(resolve, Number(sleep[1])));
    return { status: 'pass', message: `answered pass after ${sleep[1]} ms` };
  }
  if (text === 'hang') {
    await new Promise((resolve) => ctx.signal.addEventListener('abort', () => resolve(undefined), { once: true }));
    return { status: 'error', message: 'aborted' };
  }
  if (text.startsWith('fail')) {
    return {
      status: 'fail',
      message: 'answered fail',
      diagnosis: text.slice(5) || 'unspecified',
      location: { file: 'answer.txt', line: 1, column: 1 },
    };
  }
  return { status: 'fail', message: `unexpected answer ${JSON.stringify(text.slice(0, 40))}, expected pass` };
}

/** The probe's options schema: none. */
export const probeOptionsSchema = { type: 'object', additionalProperties: false, properties: {} };
