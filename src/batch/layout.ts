/** Layout of a batch output folder, shared by the main thread and the grading threads. */

/** Extra per-submission formats a batch can write besides JSON and Markdown. */
export type BatchFormat = 'gradescope' | 'junit' | 'html';

export const LAYOUT = {
  reports: 'reports',
  feedback: 'feedback',
  gradescope: 'gradescope',
  junit: 'junit',
  html: 'html',
  grades: 'grades.csv',
  summary: 'summary.md',
  batch: 'batch.json',
  junitAll: 'junit.xml',
  canvas: 'canvas.csv',
  /** The class page of the HTML report; learner pages are html/<name>.html. */
  report: 'report.html',
} as const;
