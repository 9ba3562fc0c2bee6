/**
 * A linear-time matcher: patterns compiled to a small nondeterministic
 * automaton and run as a Pike VM (all threads in lockstep, one visit per
 * instruction and position). The work for an input of n symbols and a
 * program of m instructions is at most n·m steps, whatever the pattern:
 * there is no backtracking that nested or adjacent repetitions could make
 * explode. Used for rubric authors' regular expressions (`regex.ts`) and
 * for token patterns (`pattern.ts`); both only build programs.
 *
 * Every run counts its steps against a `Budget` shared by one document, so
 * the cost of checking one document against many patterns is bounded too;
 * when the budget is spent the run says so (`'budget'`) and the caller
 * reports it, instead of a silent miss.
 */

export type Inst<I> =
  /** Consumes one symbol when `test` holds for it. */
  | { op: 'sym'; test: (input: I, at: number) => boolean; next: number }
  /** Zero-width test at a position (anchors, word boundaries). */
  | { op: 'assert'; test: (input: I, at: number) => boolean; next: number }
  /** Two ways on; `x` is preferred (greedy), `y` second. */
  | { op: 'split'; x: number; y: number }
  | { op: 'jmp'; to: number }
  | { op: 'match' };

export interface Program<I> {
  insts: Inst<I>[];
  start: number;
}

/** Steps allowed for one document; `spent` grows as runs go. */
export interface Budget {
  limit: number;
  spent: number;
  /** Set once a run stopped because the budget was spent. */
  exhausted: boolean;
}

/** Steps of matching allowed per document unless the caller says otherwise. */
export const DEFAULT_STEP_BUDGET = 50_000_000;

export function newBudget(limit = DEFAULT_STEP_BUDGET): Budget {
  return { limit, spent: 0, exhausted: false };
}

export interface Span {
  start: number;
  end: number;
}

/**
 * Leftmost match of `program` in `input` (of `length` symbols) at or after
 * `from`, preferring, among matches that start there, the one the pattern
 * prefers (greedy or lazy repetition as written). Null when there is none,
 * `'budget'` when the budget ran out first.
 */
export function search<I>(program: Program<I>, input: I, length: number, from: number, budget: Budget): Span | null | 'budget' {
  if (budget.exhausted) return 'budget';
  const insts = program.insts;
  const m = insts.length;
  // Per position: which instructions already hold a thread (generation marks avoid clearing).
  const mark = new Int32Array(m).fill(-1);
  let clist: Array<{ pc: number; start: number }> = [];
  let nlist: Array<{ pc: number; start: number }> = [];
  let found: Span | null = null;
  const stack: number[] = [];

  const add = (list: Array<{ pc: number; start: number }>, pc0: number, start: number, at: number, generation: number): boolean => {
    stack.length = 0;
    stack.push(pc0);
    while (stack.length > 0) {
      const pc = stack.pop()!;
      if (mark[pc] === generation) continue;
      mark[pc] = generation;
      if (++budget.spent > budget.limit) return false;
      const inst = insts[pc]!;
      switch (inst.op) {
        case 'jmp':
          stack.push(inst.to);
          break;
        case 'split':
          // Preorder: x before y, so threads enter the list in priority order.
          stack.push(inst.y, inst.x);
          break;
        case 'assert':
          if (inst.test(input, at)) stack.push(inst.next);
          break;
        default:
          list.push({ pc, start });
      }
    }
    return true;
  };

  for (let at = from; at <= length; at++) {
    const generation = at - from;
    // Threads carried over from the previous position were added with this generation already.
    if (found === null && !add(clist, program.start, at, at, generation)) {
      budget.exhausted = true;
      return 'budget';
    }
    if (clist.length === 0) {
      if (found !== null) break;
      continue;
    }
    nlist = [];
    for (const thread of clist) {
      const inst = insts[thread.pc]!;
      if (inst.op === 'match') {
        // Lower-priority threads are cut: this is the preferred match for this start.
        found = { start: thread.start, end: at };
        break;
      }
      if (inst.op === 'sym' && at < length) {
        if (++budget.spent > budget.limit) {
          budget.exhausted = true;
          return 'budget';
        }
        if (inst.test(input, at) && !add(nlist, inst.next, thread.start, at + 1, generation + 1)) {
          budget.exhausted = true;
          return 'budget';
        }
      }
    }
    clist = nlist;
  }
  return found;
}

/** Every non-overlapping leftmost match, in order (empty matches skipped). */
export function searchAll<I>(program: Program<I>, input: I, length: number, budget: Budget): Span[] | 'budget' {
  const out: Span[] = [];
  let from = 0;
  while (from <= length) {
    const r = search(program, input, length, from, budget);
    if (r === 'budget') return 'budget';
    if (r === null) break;
    if (r.end > r.start) out.push(r);
    from = r.end > r.start ? r.end : r.start + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Building programs

/**
 * A pattern tree both front ends compile to: sequences, alternations,
 * repetitions and single-symbol tests.
 */
export type Node<I> =
  | { type: 'sym'; test: (input: I, at: number) => boolean }
  | { type: 'assert'; test: (input: I, at: number) => boolean }
  | { type: 'seq'; items: Node<I>[] }
  | { type: 'alt'; options: Node<I>[] }
  | { type: 'repeat'; node: Node<I>; min: number; max: number; greedy: boolean };

/** Programs larger than this are refused (a pattern like `(a{1000}){1000}`). */
export const MAX_INSTRUCTIONS = 20_000;

export class ProgramTooLarge extends Error {}

/** Compiles a pattern tree; throws ProgramTooLarge past MAX_INSTRUCTIONS. */
export function compile<I>(node: Node<I>): Program<I> {
  const insts: Inst<I>[] = [];
  const emit = (inst: Inst<I>): number => {
    if (insts.length >= MAX_INSTRUCTIONS) throw new ProgramTooLarge(`more than ${MAX_INSTRUCTIONS} instructions`);
    insts.push(inst);
    return insts.length - 1;
  };
  // Each node is emitted so that it falls through to the next instruction.
  const gen = (n: Node<I>): void => {
    switch (n.type) {
      case 'sym': {
        const pc = emit({ op: 'sym', test: n.test, next: -1 });
        (insts[pc] as { next: number }).next = pc + 1;
        return;
      }
      case 'assert': {
        const pc = emit({ op: 'assert', test: n.test, next: -1 });
        (insts[pc] as { next: number }).next = pc + 1;
        return;
      }
      case 'seq':
        for (const item of n.items) gen(item);
        return;
      case 'alt': {
        if (n.options.length === 0) return;
        if (n.options.length === 1) return gen(n.options[0]!);
        const jumps: number[] = [];
        for (let i = 0; i < n.options.length; i++) {
          const last = i === n.options.length - 1;
          const split = last ? -1 : emit({ op: 'split', x: -1, y: -1 });
          if (!last) (insts[split] as { x: number }).x = split + 1;
          gen(n.options[i]!);
          if (!last) {
            jumps.push(emit({ op: 'jmp', to: -1 }));
            (insts[split] as { y: number }).y = insts.length;
          }
        }
        for (const j of jumps) (insts[j] as { to: number }).to = insts.length;
        return;
      }
      case 'repeat': {
        for (let i = 0; i < n.min; i++) gen(n.node);
        if (n.max === Infinity) {
          // L: split body, out; body; jmp L
          const split = emit({ op: 'split', x: -1, y: -1 });
          gen(n.node);
          emit({ op: 'jmp', to: split });
          const out = insts.length;
          Object.assign(insts[split]!, n.greedy ? { x: split + 1, y: out } : { x: out, y: split + 1 });
          return;
        }
        const splits: number[] = [];
        for (let i = n.min; i < n.max; i++) {
          splits.push(emit({ op: 'split', x: -1, y: -1 }));
          gen(n.node);
        }
        const out = insts.length;
        for (const s of splits) Object.assign(insts[s]!, n.greedy ? { x: s + 1, y: out } : { x: out, y: s + 1 });
        return;
      }
    }
  };
  gen(node);
  emit({ op: 'match' });
  return { insts, start: 0 };
}
