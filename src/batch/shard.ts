/**
 * Shards: a stable partition of a class so that CI matrix jobs or batch
 * scheduler tasks each grade a part. A submission's shard depends only on its
 * output name (a hash of it), not on the order or length of the list, so a
 * student keeps their shard when others are added and a per-shard cache stays
 * valid; every submission lands in exactly one shard.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../core/errors.js';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** More shards than this is a typo, not a CI matrix. */
export const MAX_SHARDS = 10_000;

/** Parses `i/n` (1 <= i <= n <= MAX_SHARDS). */
export function parseShard(text: string): Shard {
  const match = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!match) throw new UsageError(`invalid --shard '${text}', expected i/n such as 1/4`);
  const index = Number(match[1]);
  const count = Number(match[2]);
  if (count > MAX_SHARDS) throw new UsageError(`invalid --shard '${text}': at most ${MAX_SHARDS} shards`);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`invalid --shard '${text}': expected 1 <= i <= n`);
  return { index, count };
}

/** The 1-based shard a submission name belongs to among `count`. */
export function shardOf(name: string, count: number): number {
  if (count <= 1) return 1;
  const digest = createHash('sha256').update(name).digest();
  return (digest.readUInt32BE(0) % count) + 1;
}

export function inShard(name: string, shard: Shard | undefined): boolean {
  return !shard || shardOf(name, shard.count) === shard.index;
}
