/**
 * A grading thread of a batch (started by src/batch/threads.ts from the built
 * dist/batch/worker.js). It loads the check kinds itself (the built-in
 * registry, or the batch's registry module), starts its own learner-session
 * pool on the first session, and grades and writes the submissions the main
 * thread hands it, answering with each one's gradebook row (and report, when
 * the main thread reports progress). On `close` it stops its pool and ends.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError } from '../core/errors.js';
import { provideResolvedPython, type PythonInfo } from '../runner/python.js';
import { explicitPython, firstLine, lazyPool, processSubmission, type Grading } from './grade-one.js';
import { loadRegistryModule, type FromThread, type ThreadSetup, type ToThread } from './threads.js';
import type { SubmissionEntry } from './submissions.js';

const port = parentPort;
if (!port) throw new Error('src/batch/worker.ts runs as a worker thread of a batch');
const setup = workerData as ThreadSetup;
const registry = setup.registryModule ? await loadRegistryModule(setup.registryModule) : undefined;
const pool = setup.forkServer ? lazyPool(setup.services) : undefined;
const controller = new AbortController();
const grading: Grading = {
  services: { ...setup.services, ...(pool ? { openLearnerSession: pool.open } : {}) },
  ...(registry ? { registry } : {}),
  signal: controller.signal,
};
const send = (message: FromThread) => port.postMessage(message);

// The main thread resolves the interpreter for every thread: sessions wait for its answer.
let sharedPython: ((message: Extract<ToThread, { type: 'python' }>) => void) | undefined;
if (setup.sharedPython) {
  provideResolvedPython(
    explicitPython(setup.services),
    new Promise<PythonInfo>((resolve, reject) => {
      sharedPython = (message) => (message.info ? resolve(message.info) : reject(new ConfigError(message.error ?? 'the Python interpreter could not be resolved')));
    }),
  );
}

port.on('message', (message: ToThread) => {
  if (message.type === 'grade') void gradeOne(message.id, message.entry);
  else if (message.type === 'python') sharedPython?.(message);
  else if (message.type === 'abort') controller.abort();
  else void close();
});
send({ type: 'ready' });

async function gradeOne(id: number, entry: SubmissionEntry): Promise<void> {
  send({ type: 'started', id });
  let outcome;
  try {
    outcome = await processSubmission(entry, setup, grading);
  } catch (error) {
    send({ type: 'failed', id, message: firstLine(error) });
    return;
  }
  if (!outcome) return send({ type: 'skipped', id });
  const { row, report, reused } = outcome;
  if (!setup.sendReports) return send({ type: 'done', id, row, reused });
  try {
    send({ type: 'done', id, row, reused, report });
  } catch {
    // A value structured clone refuses: the report as written (JSON) instead.
    send({ type: 'done', id, row, reused, report: JSON.parse(JSON.stringify(report)) });
  }
}

async function close(): Promise<void> {
  await pool?.close().catch(() => undefined);
  process.exit(0);
}
