/** A report with a located failure, a diagnosis, a hint and an error: what the reporters and schema tests render and validate. */
import type { Report } from '../../src/core/types.js';

export const sampleReport: Report = {
  schemaVersion: 1,
  tool: { name: 'rubricate', version: '0.1.0' },
  rubric: { id: 'rope-lab02', title: 'Lab 02', version: 1 },
  submission: { name: 'alice', path: 'submissions/alice' },
  score: 12.5,
  maxScore: 20,
  passThreshold: 0.7,
  passed: false,
  dimensions: [{ id: 'code', title: 'Code', score: 12.5, maxScore: 20 }],
  summary: { pass: 1, warn: 0, fail: 1, error: 0, skip: 0 },
  checks: [
    { id: 'ok-check', title: 'Works', kind: 'files', dimension: 'code', severity: 'error', visibility: 'learner', status: 'pass', points: 10, maxPoints: 10, message: 'all good' },
    {
      id: 'bad-check', title: 'Convention', kind: 'rope-convention', dimension: 'code', severity: 'error', visibility: 'learner',
      status: 'fail', points: 2.5, maxPoints: 5, message: 'pairs rotated the wrong way',
      diagnosis: 'split-half pairing: rotate x[0::2] with x[1::2]', hint: 'see the lab',
      location: { file: 'rope.py', line: 12, column: 5 },
      details: [{ message: 'e_0 moved to index 8', actual: '8', expected: '1', location: { file: 'rope.py', line: 14 } }],
    },
    { id: 'secret', title: 'Hidden', kind: 'files', dimension: 'code', severity: 'error', visibility: 'instructor', status: 'fail', points: 0, maxPoints: 5, message: 'hidden test | with pipe' },
  ],
  notices: [{ level: 'warning', message: 'repaired mojibake', location: { file: 'README.md', line: 3, column: 1 } }],
};
