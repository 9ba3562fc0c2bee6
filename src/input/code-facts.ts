/**
 * Facts about a learner's source file, parsed (never run): the modules it
 * imports, where it uses names of interest (resolved through its own
 * aliases), its top-level functions and their parameters. Python files are
 * parsed by Python's `ast` inside the sandbox (src/runner/harness/tasks.py,
 * `static_facts`); TypeScript and JavaScript files by the TypeScript
 * compiler's parser here in the grader (`typescriptFacts`), which only builds
 * a syntax tree. Check kinds apply the rubric's rules to these facts.
 */

export interface FactPosition {
  line: number;
  column: number;
}

export interface ImportFact extends FactPosition {
  /** The module as written: `torch.nn`, `@tensorflow/tfjs`, `./rope`. */
  module: string;
  /** How: `import`, `from`, `__import__`, `importlib`, `exec` (Python); `import`, `require`, `dynamic-import`, `export-from` (JS). */
  via: string;
}

export interface UseFact extends FactPosition {
  /** The dotted origin after the file's aliases: `np.einsum` -> `numpy.einsum`. */
  name: string;
  /** As written. */
  text: string;
}

export interface ParamFact {
  name: string;
  kind: 'positional' | 'keyword-only' | 'var-positional' | 'var-keyword';
  /** Has a default value (or is optional). */
  default: boolean;
}

export interface FunctionFact extends FactPosition {
  name: string;
  params: ParamFact[];
}

/** A top-level name bound to something else: `apply = _rotate`, `from .impl import apply_rope`. */
export interface BindingFact extends FactPosition {
  name: string;
  /** The top-level name it is assigned from, when it is one. */
  value: string | null;
  /** The origin when it is imported. */
  imported?: string;
}

export interface FileFacts {
  path: string;
  syntaxError?: { message: string; line: number; column: number };
  imports: ImportFact[];
  uses: UseFact[];
  functions: FunctionFact[];
  bindings: BindingFact[];
}

type TS = typeof import('typescript');
let tsModule: Promise<TS> | undefined;
function loadTypescript(): Promise<TS> {
  tsModule ??= import('typescript').then((m) => ((m as { default?: TS }).default ?? m) as TS);
  return tsModule;
}

const CAP = 5000;

/**
 * Facts of a TypeScript or JavaScript file from the TypeScript parser (a
 * syntax tree only: nothing is type-checked, resolved or run). `names` are the
 * last components of the names whose uses matter (e.g. `einsum`).
 */
export async function typescriptFacts(path: string, text: string, names: readonly string[]): Promise<FileFacts> {
  const ts = await loadTypescript();
  const kind = /\.(tsx)$/.test(path) ? ts.ScriptKind.TSX : /\.(jsx)$/.test(path) ? ts.ScriptKind.JSX : /\.(m?js|cjs)$/.test(path) ? ts.ScriptKind.JS : ts.ScriptKind.TS;
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, kind);
  const at = (node: import('typescript').Node): FactPosition => {
    const { line, character } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    return { line: line + 1, column: character + 1 };
  };
  const facts: FileFacts = { path, imports: [], uses: [], functions: [], bindings: [] };
  const diagnostics = (sf as unknown as { parseDiagnostics?: import('typescript').DiagnosticWithLocation[] }).parseDiagnostics ?? [];
  const first = diagnostics[0];
  if (first) {
    const { line, character } = sf.getLineAndCharacterOfPosition(first.start);
    facts.syntaxError = { message: `syntax error: ${ts.flattenDiagnosticMessageText(first.messageText, '\n')} (TS${first.code})`, line: line + 1, column: character + 1 };
    return facts;
  }
  const wanted = new Set(names);
  const aliases = new Map<string, string>();
  // Names the file declares itself (a hand-written einsum is allowed): uses of them are not uses of a library's.
  const declared = new Set<string>();
  const collect = (node: import('typescript').Node): void => {
    if ((ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node)) && node.name && ts.isIdentifier(node.name)) declared.add(node.name.text);
    ts.forEachChild(node, collect);
  };
  collect(sf);
  const addImport = (module: string, node: import('typescript').Node, via: string) => {
    if (facts.imports.length < CAP) facts.imports.push({ module, via, ...at(node) });
  };
  const addUse = (name: string, textAsWritten: string, node: import('typescript').Node) => {
    const last = name.split('.').pop() ?? name;
    if (facts.uses.length < CAP && (wanted.has(last) || wanted.has(name))) facts.uses.push({ name, text: textAsWritten.slice(0, 120), ...at(node) });
  };
  const dotted = (node: import('typescript').Expression): string | undefined => {
    if (ts.isIdentifier(node)) return aliases.get(node.text) ?? node.text;
    if (ts.isPropertyAccessExpression(node)) {
      const base = dotted(node.expression);
      return base ? `${base}.${node.name.text}` : node.name.text;
    }
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
      const base = dotted(node.expression);
      return base ? `${base}.${node.argumentExpression.text}` : node.argumentExpression.text;
    }
    return undefined;
  };
  const paramsOf = (params: import('typescript').NodeArray<import('typescript').ParameterDeclaration>): ParamFact[] =>
    params
      .filter((p) => !(ts.isIdentifier(p.name) && p.name.text === 'this'))
      .map((p) => ({
        name: ts.isIdentifier(p.name) ? p.name.text : p.name.getText(sf),
        kind: p.dotDotDotToken ? 'var-positional' : 'positional',
        default: p.dotDotDotToken !== undefined || p.questionToken !== undefined || p.initializer !== undefined,
      }));

  const visit = (node: import('typescript').Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteralLike(node.moduleSpecifier)) {
      const module = node.moduleSpecifier.text;
      addImport(module, node, 'import');
      const clause = node.importClause;
      if (clause?.name) aliases.set(clause.name.text, module);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) aliases.set(bindings.name.text, module);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) {
          const origin = `${module}.${(element.propertyName ?? element.name).text}`;
          aliases.set(element.name.text, origin);
          addUse(origin, element.name.text, element);
          if (node.parent === sf) facts.bindings.push({ name: element.name.text, value: null, imported: origin, ...at(element) });
        }
      }
      return;
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteralLike(node.moduleSpecifier)) addImport(node.moduleSpecifier.text, node, 'export-from');
    if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) && ts.isStringLiteralLike(node.moduleReference.expression)) {
      addImport(node.moduleReference.expression.text, node, 'require');
      aliases.set(node.name.text, node.moduleReference.expression.text);
    }
    if (ts.isCallExpression(node)) {
      const arg = node.arguments[0];
      if (node.expression.kind === ts.SyntaxKind.ImportKeyword && arg && ts.isStringLiteralLike(arg)) addImport(arg.text, node, 'dynamic-import');
      if (ts.isIdentifier(node.expression) && node.expression.text === 'require' && arg && ts.isStringLiteralLike(arg)) {
        addImport(arg.text, node, 'require');
        // const tf = require('@tensorflow/tfjs'): tf.* resolves to the module.
        const parent = node.parent;
        if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) aliases.set(parent.name.text, arg.text);
      }
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer;
      if (ts.isIdentifier(init) || ts.isPropertyAccessExpression(init) || ts.isElementAccessExpression(init)) {
        const origin = dotted(init);
        if (origin) aliases.set(node.name.text, origin);
      }
      const statement = node.parent?.parent;
      if (statement && ts.isVariableStatement(statement) && statement.parent === sf) {
        if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) facts.functions.push({ name: node.name.text, params: paramsOf(init.parameters), ...at(node) });
        else facts.bindings.push({ name: node.name.text, value: ts.isIdentifier(init) ? init.text : null, ...at(node) });
      }
    }
    if (ts.isFunctionDeclaration(node) && node.name && node.parent === sf) {
      facts.functions.push({ name: node.name.text, params: paramsOf(node.parameters), ...at(node) });
    }
    if (ts.isPropertyAccessExpression(node) || ts.isElementAccessExpression(node)) {
      const origin = dotted(node);
      const last = origin?.split('.').pop();
      if (origin && last && wanted.has(last)) {
        addUse(origin, node.getText(sf), node);
        return;
      }
    }
    if (ts.isIdentifier(node) && isReference(ts, node)) {
      const origin = aliases.get(node.text);
      if (origin !== undefined && origin !== node.text) addUse(origin, node.text, node);
      else if (wanted.has(node.text) && !declared.has(node.text)) addUse(node.text, node.text, node);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return facts;
}

/** An identifier read as a value (not a declaration's name, a property name or an import's). */
function isReference(ts: TS, node: import('typescript').Identifier): boolean {
  const parent = node.parent;
  if (!parent) return false;
  if ((ts.isPropertyAccessExpression(parent) && parent.name === node) || (ts.isPropertyAssignment(parent) && parent.name === node)) return false;
  if ((ts.isFunctionDeclaration(parent) || ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isClassDeclaration(parent) || ts.isMethodDeclaration(parent)) && parent.name === node) return false;
  if (ts.isImportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent) || ts.isExportSpecifier(parent)) return false;
  return true;
}

/** Where each top-level function of a file is defined (for findings of code checks). */
export function definitionsOf(facts: FileFacts): Record<string, { file: string; line: number; column: number }> {
  const out: Record<string, { file: string; line: number; column: number }> = {};
  for (const f of facts.functions) out[f.name] ??= { file: facts.path, line: f.line, column: f.column };
  return out;
}
