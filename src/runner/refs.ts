/**
 * Array references (docs/runner-protocol.md, "References"): an argument the
 * learner process already holds travels as `{"$ref": id}` instead of its bytes.
 *
 * Two kinds, both resolved by the harness into a fresh float64 copy for every
 * call, exactly what the bytes would have decoded to:
 * - results the process kept (`keep` on a call): the harness stored a float64
 *   copy of each returned array the moment the function returned, so a table
 *   the learner's precompute_rope returned goes back into their apply_rope
 *   without a round trip, and later mutation by learner code cannot change it;
 * - shared inputs: grader inputs that are the same for every submission (the
 *   seeded q/k draws, all-ones vectors), marked with `markShared`. A fork
 *   server loads each once; every child it forks afterwards inherits it.
 *
 * Only grader-side inputs and the learner's own outputs are ever referenced:
 * expected values never reach the learner process this way either.
 */
import type { TypedData } from './types.js';

const sharedKeys = new WeakMap<TypedData, string>();

/**
 * Marks an array the grader hands out as identical for every submission and
 * never changes afterwards; `key` must identify its content (shape included).
 * Only for inputs (seeded draws, constants): a fork server's children hold a
 * shared array from the start, so never mark an expected output of a learner
 * function (e.g. reference cos/sin tables).
 */
export function markShared<T extends TypedData>(data: T, key: string): T {
  if (data instanceof Float64Array) sharedKeys.set(data, key);
  return data;
}

export function sharedKeyOf(data: TypedData): string | undefined {
  return sharedKeys.get(data);
}

/** What a process's owner (a fork server) holds for all its children. */
export interface SharedStore {
  /** True when a child started now would hold the array under this key. */
  holds(key: string): boolean;
  /** The array was sent inline: load it for later children (no-op if already loading). */
  want(key: string, data: Float64Array): void;
}

/** The references one learner process can resolve; a restarted process gets a new table. */
export class RefTable {
  private readonly kept = new WeakMap<TypedData, string>();

  constructor(private readonly shared?: SharedStore) {}

  /** The reference for an argument, or undefined to send its bytes. */
  refOf(data: TypedData): string | undefined {
    const own = this.kept.get(data);
    if (own !== undefined) return own;
    const key = sharedKeys.get(data);
    if (key === undefined || !this.shared) return undefined;
    if (this.shared.holds(key)) return `shared:${key}`;
    this.shared.want(key, data as Float64Array);
    return undefined;
  }

  /** Records that the process kept this decoded result array under `id`. */
  remember(data: TypedData, id: string): void {
    this.kept.set(data, id);
  }
}

/**
 * The reference table of a freshly started process: a harness that resolves
 * `$ref` arguments lists `refs` in its hello's `features`; a restarted process
 * starts with an empty table.
 */
export function refsFromHello(hello: Record<string, unknown>, shared?: SharedStore): RefTable | undefined {
  return Array.isArray(hello.features) && hello.features.includes('refs') ? new RefTable(shared) : undefined;
}
