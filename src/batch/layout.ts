/** Layout of a batch output folder, shared by the main thread and the grading threads. */

/** Extra per-submission formats a batch can write besides JSON and Markdown. */
export type BatchFormat = 'gradescope' | 'junit';

export const LAYOUT = {
  reports: 'reports',
  feedback: 'feedback',
  gradescope: 'gradescope',
  junit: 'junit',
  grades: 'grades.csv',
  summary: 'summary.md',
  batch: 'batch.json',
  junitAll: 'junit.xml',
  canvas: 'canvas.csv',
} as const;
