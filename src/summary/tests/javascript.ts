/**
 * JavaScript and TypeScript tests (vitest, jest, mocha) counted statically
 * with the TypeScript parser: each call of `it(...)` or `test(...)` (and
 * `it.only`, `test.concurrent`, `fit`...) whose first argument is a string or
 * template is one test; `.skip`, `.todo`, `xit`, `xtest` are counted as
 * skipped; `it.each([...])(...)` with an array literal is one test per row,
 * with another table a lower bound; a test inside a loop, an array callback
 * (`forEach`, `map`) or a `describe.each` is a lower bound too.
 *
 * Test files are the runners' defaults: `*.test.*` and `*.spec.*`, and files
 * under `__tests__/`, with a JavaScript or TypeScript extension, outside
 * `node_modules`, `dist`, `build` and `coverage`.
 */
import type ts from 'typescript';
import type { Count } from './count.js';

let tsModule: typeof ts | undefined;

/** The TypeScript compiler module, loaded on first use (only repositories with JS/TS tests pay for it). */
async function typescript(): Promise<typeof ts> {
  tsModule ??= (await import('typescript')).default;
  return tsModule;
}

const JS_EXT = /\.(?:[cm]?[jt]sx?)$/;

export function isJsTestFile(rel: string): boolean {
  if (!JS_EXT.test(rel) || /\.d\.[cm]?ts$/.test(rel)) return false;
  if (rel.split('/').some((s) => /^(node_modules|dist|build|coverage|\.next|out)$/.test(s))) return false;
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return /\.(test|spec)\.[cm]?[jt]sx?$/.test(name) || rel.split('/').slice(0, -1).includes('__tests__');
}

const TEST_NAMES = new Set(['it', 'test', 'fit', 'ftest']);
const SKIP_NAMES = new Set(['xit', 'xtest']);

export async function countJsFile(rel: string, source: string): Promise<Count> {
  const t = await typescript();
  const kind = /\.tsx$/.test(rel) ? t.ScriptKind.TSX : /\.[cm]?ts$/.test(rel) ? t.ScriptKind.TS : /\.jsx$/.test(rel) ? t.ScriptKind.JSX : t.ScriptKind.JS;
  const file = t.createSourceFile(rel, source, t.ScriptTarget.Latest, true, kind);
  let written = 0;
  let skipped = 0;
  let generatedMin = 0;
  let generated = false;
  const notes: string[] = [];

  /** The call chain `it.skip.each` as names, root first, or undefined. */
  const chain = (expr: ts.Expression): string[] | undefined => {
    if (t.isIdentifier(expr)) return [expr.text];
    if (t.isPropertyAccessExpression(expr)) {
      const left = chain(expr.expression);
      return left ? [...left, expr.name.text] : undefined;
    }
    return undefined;
  };
  const inLoop = (node: ts.Node): boolean => {
    for (let p = node.parent; p; p = p.parent) {
      if (t.isForStatement(p) || t.isForOfStatement(p) || t.isForInStatement(p) || t.isWhileStatement(p) || t.isDoStatement(p)) return true;
      if (t.isCallExpression(p)) {
        const names = chain(t.isCallExpression(p.expression) ? p.expression.expression : p.expression);
        if (names && ['forEach', 'map', 'flatMap'].includes(names[names.length - 1]!)) return true;
        if (names && names[0] === 'describe' && (names.includes('each') || names.includes('for'))) return true;
      }
    }
    return false;
  };
  const stringish = (arg: ts.Expression | undefined) => arg !== undefined && (t.isStringLiteral(arg) || t.isNoSubstitutionTemplateLiteral(arg) || t.isTemplateExpression(arg) || t.isBinaryExpression(arg) || t.isIdentifier(arg) || t.isPropertyAccessExpression(arg));

  const visit = (node: ts.Node) => {
    if (t.isCallExpression(node)) {
      // it.each(table)(name, fn)
      if (t.isCallExpression(node.expression)) {
        const inner = node.expression;
        const names = chain(inner.expression);
        if (names && (TEST_NAMES.has(names[0]!) || SKIP_NAMES.has(names[0]!)) && (names.includes('each') || names.includes('for'))) {
          const table = inner.arguments[0];
          const skip = SKIP_NAMES.has(names[0]!) || names.includes('skip') || names.includes('todo');
          if (table && t.isArrayLiteralExpression(table) && !inLoop(node)) {
            written += table.elements.length;
            if (skip) skipped += table.elements.length;
          } else {
            generated = true;
            generatedMin += 1;
            notes.push(`${names.join('.')} over a table that is not written out`);
          }
        }
      } else {
        const names = chain(node.expression);
        if (names && (TEST_NAMES.has(names[0]!) || SKIP_NAMES.has(names[0]!)) && !names.includes('each') && !names.includes('for') && stringish(node.arguments[0]) && names.every((n, i) => i === 0 || /^(only|skip|todo|concurrent|sequential|fails|failing|runIf|skipIf|shuffle)$/.test(n))) {
          const skip = SKIP_NAMES.has(names[0]!) || names.includes('skip') || names.includes('todo');
          if (inLoop(node)) {
            generated = true;
            generatedMin += 1;
            if (!notes.includes('tests made in a loop or callback')) notes.push('tests made in a loop or callback');
          } else {
            written++;
            if (skip) skipped++;
          }
        }
      }
    }
    t.forEachChild(node, visit);
  };
  visit(file);
  return { min: written + generatedMin, max: generated ? Infinity : written, written: written + generatedMin, skipped, notes };
}

/** Runner configuration that changes which files hold tests (then totals are an upper bound). */
export function jsConfigNarrows(files: Array<{ path: string; text: string }>): string | undefined {
  for (const { path, text } of files) {
    if (/(^|\/)(jest|vitest|vite)\.config\.[cm]?[jt]s$/.test(path) && /\b(testMatch|testRegex|roots|include|exclude|testPathIgnorePatterns|projects|workspace)\b/.test(text)) return path;
    if (/(^|\/)package\.json$/.test(path) && /"jest"\s*:\s*\{[^}]*\b(testMatch|testRegex|roots|testPathIgnorePatterns)\b/.test(text)) return path;
  }
  return undefined;
}
