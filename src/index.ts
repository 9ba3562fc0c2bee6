/**
 * rubricate as a library: the same operations the CLI uses.
 *
 *   import { grade, pickRubric, reporters } from 'rubricate';
 *   const rubric = await pickRubric('submissions/alice', 'rope-lab02');
 *   const report = await grade({ rubric, target: 'submissions/alice' });
 *   console.log(reporters.markdown([report]));
 */
export * from './core/types.js';
export { grade, stamp, type GradeOptions } from './core/engine.js';
export { scoreChecks, exitCodeFor, type Score } from './core/scoring.js';
export { RubricateError, UsageError, ConfigError, formatLocation } from './core/errors.js';
export { parseRubric, loadRubricFile, resolveRubric, listRubrics, rubricForExperiment } from './rubric/load.js';
export { pickRubric } from './rubric/pick.js';
export { Registry, defaultRegistry } from './checks/registry.js';
export type { CheckKind, CheckContext, Services } from './checks/kind.js';
export { reporters, reporterNames, type Reporter, type ReporterOptions } from './reporters/index.js';
export { main as runCli } from './cli/main.js';
