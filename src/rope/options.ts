/**
 * Options shared by every RoPE code check kind: which functions to call,
 * where the learner's module is, the seed of the random inputs, the timeout.
 */

export interface RopeFunctionNames {
  frequencies: string;
  precompute: string;
  apply: string;
}

export interface RopeCommonOptions {
  functions: RopeFunctionNames;
  /** Module file alternatives, relative to the submission root; the first that exists is used. */
  module: string[];
  seed: number;
  /** Per-call timeout in ms (default: the engine's, then the runner's). */
  timeoutMs?: number;
  /** Rust: grade a crate that keeps RoPE in a struct, through its constructor, cache fields and method. */
  rust?: { adapter?: { type: string; constructor: string; cos: string; sin: string; method: string } };
}

export const DEFAULT_FUNCTIONS: RopeFunctionNames = {
  frequencies: 'rope_frequencies',
  precompute: 'precompute_rope',
  apply: 'apply_rope',
};

export const DEFAULT_MODULES = ['src/minimodel/positional/rope.py', 'rope.py'];

const identifier = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };

/** JSON Schema properties every RoPE kind accepts. */
export const commonProperties = {
  functions: {
    type: 'object',
    additionalProperties: false,
    default: { ...DEFAULT_FUNCTIONS },
    properties: {
      frequencies: { ...identifier, default: DEFAULT_FUNCTIONS.frequencies },
      precompute: { ...identifier, default: DEFAULT_FUNCTIONS.precompute },
      apply: { ...identifier, default: DEFAULT_FUNCTIONS.apply },
    },
  },
  module: {
    type: 'array',
    minItems: 1,
    items: { type: 'string', minLength: 1 },
    default: [...DEFAULT_MODULES],
  },
  seed: { type: 'integer', minimum: 0, default: 0 },
  timeoutMs: { type: 'integer', minimum: 1 },
  rust: {
    type: 'object',
    additionalProperties: false,
    properties: {
      adapter: {
        type: 'object',
        additionalProperties: false,
        required: ['type', 'constructor', 'cos', 'sin', 'method'],
        properties: {
          type: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)*$' },
          constructor: identifier,
          cos: identifier,
          sin: identifier,
          method: identifier,
        },
      },
    },
  },
} as const;

/** An options schema: the common properties plus the kind's own. */
export function ropeSchema(own: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    properties: { ...commonProperties, ...own },
  };
}

const sizeList = (defaults: number[], minimum = 1) => ({
  type: 'array',
  minItems: 1,
  items: { type: 'integer', minimum },
  default: defaults,
});

/** Head sizes (even, >= 2). */
export const dHeads = (defaults: number[]) => ({ ...sizeList(defaults, 2), items: { type: 'integer', minimum: 2, multipleOf: 2 } });
/** Sequence lengths. */
export const lengths = (defaults: number[]) => sizeList(defaults, 1);

/** Fills defaults when a kind is called directly (tests, library use) without schema validation. */
export function withDefaults<O extends RopeCommonOptions>(options: Partial<O> | undefined): O {
  const o = { ...(options ?? {}) } as Partial<O>;
  return {
    ...o,
    functions: { ...DEFAULT_FUNCTIONS, ...(o.functions ?? {}) },
    module: o.module && o.module.length > 0 ? o.module : [...DEFAULT_MODULES],
    seed: o.seed ?? 0,
  } as O;
}
