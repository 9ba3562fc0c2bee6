/** The sandboxed learner-code runner: sessions, interpreter resolution, wire helpers. */
export { openPythonSession, DEFAULT_LIMITS } from './session.js';
export { resolvePython, type PythonInfo } from './python.js';
export { chooseIsolation, isolationInfo, harnessDir } from './sandbox.js';
export { languageOf, openerFor, type RunnerLanguage, type SessionOpener } from './languages.js';
export { pyFloat, PROTOCOL_VERSION } from './wire.js';
export type * from './types.js';
