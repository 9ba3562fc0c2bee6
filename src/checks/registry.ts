import { claimsKind } from './claims.js';
import { constraintsKind } from './constraints.js';
import { coverageKind } from './coverage.js';
import { filesKind } from './files.js';
import { gitHistoryKind } from './git-history.js';
import type { CheckKind } from './kind.js';
import { manifestKind } from './manifest.js';
import { mentionsKind } from './mentions.js';
import { predictionsTableKind } from './predictions-table.js';
import { resultsVsPredictionsKind } from './results-vs-predictions.js';
import { ropeKinds, ropeVerifyScriptKind } from './rope/index.js';
import { sectionsKind } from './sections.js';
import { summaryClaimsKind } from './summary-claims.js';
import { writeupKind } from './writeup.js';

/**
 * The check-kind registry: one line per built-in kind. A new kind is one
 * module under `src/checks/` plus one line here; rubrics pick kinds by name.
 */
const builtins: CheckKind[] = [
  filesKind,
  manifestKind,
  writeupKind,
  mentionsKind,
  claimsKind,
  summaryClaimsKind,
  coverageKind,
  constraintsKind,
  ...ropeKinds,
  ropeVerifyScriptKind,
  sectionsKind,
  predictionsTableKind,
  gitHistoryKind,
  resultsVsPredictionsKind,
];

export class Registry {
  private readonly kinds = new Map<string, CheckKind>();

  constructor(kinds: Iterable<CheckKind> = builtins) {
    for (const kind of kinds) this.add(kind);
  }

  /** Adds a kind (library users can plug their own). Names are unique. */
  add(kind: CheckKind): this {
    if (this.kinds.has(kind.name)) throw new Error(`check kind '${kind.name}' is registered twice`);
    this.kinds.set(kind.name, kind);
    return this;
  }

  get(name: string): CheckKind | undefined {
    return this.kinds.get(name);
  }

  names(): string[] {
    return [...this.kinds.keys()].sort();
  }

  all(): CheckKind[] {
    return this.names().map((name) => this.kinds.get(name)!);
  }
}

export const defaultRegistry = new Registry();
