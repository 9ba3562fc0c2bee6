import type { NDArray, TypedData, Value } from './types.js';

/**
 * The runner protocol's wire format (docs/runner-protocol.md): frames are
 * `u32 LE header length, u32 LE payload length, JSON header, binary payload`.
 * Arrays live in the payload, little-endian, each at an 8-byte aligned offset.
 */

export const PROTOCOL_VERSION = 1;
export const PREFIX_BYTES = 8;

export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

export class WireError extends Error {}

/** Wire codes and the typed arrays they map to. */
const WIRE_TYPES: Record<string, { bytes: number; view: (buffer: ArrayBuffer, offset: number, length: number) => TypedData }> = {
  '<f8': { bytes: 8, view: (b, o, n) => new Float64Array(b, o, n) },
  '<f4': { bytes: 4, view: (b, o, n) => new Float32Array(b, o, n) },
  '<i8': { bytes: 8, view: (b, o, n) => new BigInt64Array(b, o, n) },
  '<i4': { bytes: 4, view: (b, o, n) => new Int32Array(b, o, n) },
  '|i1': { bytes: 1, view: (b, o, n) => new Int8Array(b, o, n) },
  '|u1': { bytes: 1, view: (b, o, n) => new Uint8Array(b, o, n) },
};

function wireCodeOf(data: TypedData): string {
  if (data instanceof Float64Array) return '<f8';
  if (data instanceof Float32Array) return '<f4';
  if (data instanceof BigInt64Array) return '<i8';
  if (data instanceof Int32Array) return '<i4';
  if (data instanceof Int8Array) return '|i1';
  return '|u1';
}

/** Builds a request frame: values become JSON with `$nd` references into the payload. */
export class FrameEncoder {
  private chunks: Buffer[] = [];
  private size = 0;

  /** `refOf` names arrays the receiving process already holds (src/runner/refs.ts); they travel as `{$ref}`. */
  constructor(private readonly refOf?: (data: TypedData) => string | undefined) {}

  value(value: Value, depth = 0): unknown {
    if (depth > 64) throw new WireError('value nested too deeply');
    if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
    if (typeof value === 'number') {
      if (Number.isNaN(value)) return { $float: 'nan' };
      if (value === Infinity) return { $float: 'inf' };
      if (value === -Infinity) return { $float: '-inf' };
      if (Object.is(value, -0)) return { $float: '-0' };
      return value;
    }
    if (Array.isArray(value)) return value.map((item) => this.value(item, depth + 1));
    if (value.kind === 'ndarray' && ArrayBuffer.isView((value as NDArray).data)) return this.array(value as NDArray);
    if (value.kind === 'opaque' && typeof (value as { type?: unknown }).type === 'string') {
      throw new WireError('an opaque value cannot be sent to a learner process');
    }
    const dict: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) dict[key] = this.value(item as Value, depth + 1);
    return { $dict: dict };
  }

  array(array: NDArray): unknown {
    const ref = array.complex || array.shape.length === 0 ? undefined : this.refOf?.(array.data);
    if (ref !== undefined) return { $ref: ref, shape: array.shape };
    const expected = array.shape.reduce((a, b) => a * b, 1) * (array.complex ? 2 : 1);
    if (array.data.length !== expected) {
      throw new WireError(`array of shape [${array.shape.join(', ')}] has ${array.data.length} elements`);
    }
    const pad = (8 - (this.size % 8)) % 8;
    if (pad) this.push(Buffer.alloc(pad));
    const offset = this.size;
    const bytes = Buffer.from(array.data.buffer, array.data.byteOffset, array.data.byteLength);
    this.push(bytes);
    const spec: Record<string, unknown> = {
      dtype: array.dtype,
      wire: wireCodeOf(array.data),
      shape: array.shape,
      offset,
      nbytes: bytes.length,
    };
    if (array.complex) spec.complex = true;
    if (array.shape.length === 0) spec.scalar = true;
    return { $nd: spec };
  }

  private push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  frame(header: Record<string, unknown>): Buffer {
    const head = Buffer.from(JSON.stringify(header), 'utf8');
    const prefix = Buffer.alloc(PREFIX_BYTES);
    prefix.writeUInt32LE(head.length, 0);
    prefix.writeUInt32LE(this.size, 4);
    return Buffer.concat([prefix, head, ...this.chunks]);
  }
}

/** Decodes a value from an answer header, reading arrays from the payload. */
export function decodeValue(raw: unknown, payload: Buffer, depth = 0): Value {
  if (depth > 64) throw new WireError('value nested too deeply');
  if (raw === null || typeof raw === 'boolean' || typeof raw === 'string' || typeof raw === 'number') return raw;
  if (Array.isArray(raw)) return raw.map((item) => decodeValue(item, payload, depth + 1));
  if (typeof raw !== 'object') throw new WireError(`unexpected ${typeof raw} in a value`);
  const tagged = raw as Record<string, unknown>;
  if ('$nd' in tagged) return decodeArray(tagged.$nd, payload);
  if ('$float' in tagged) {
    const text = tagged.$float;
    if (text === 'nan') return NaN;
    if (text === 'inf') return Infinity;
    if (text === '-inf') return -Infinity;
    if (text === '-0') return -0;
    throw new WireError(`bad $float ${String(text)}`);
  }
  if ('$dict' in tagged && typeof tagged.$dict === 'object' && tagged.$dict !== null) {
    const out: { [key: string]: Value } = {};
    for (const [key, item] of Object.entries(tagged.$dict as Record<string, unknown>)) {
      out[key] = decodeValue(item, payload, depth + 1);
    }
    return out;
  }
  if ('$opaque' in tagged && typeof tagged.$opaque === 'object' && tagged.$opaque !== null) {
    const opaque = tagged.$opaque as Record<string, unknown>;
    return { kind: 'opaque', type: String(opaque.type ?? '?'), repr: String(opaque.repr ?? '') };
  }
  throw new WireError('unknown tagged value');
}

function decodeArray(rawSpec: unknown, payload: Buffer): NDArray {
  if (typeof rawSpec !== 'object' || rawSpec === null) throw new WireError('bad array header');
  const spec = rawSpec as Record<string, unknown>;
  const wire = WIRE_TYPES[String(spec.wire)];
  const shape = spec.shape;
  const offset = spec.offset;
  const nbytes = spec.nbytes;
  if (!wire) throw new WireError(`unknown wire dtype ${String(spec.wire)}`);
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new WireError('bad array shape');
  if (!Number.isInteger(offset) || !Number.isInteger(nbytes)) throw new WireError('bad array offset');
  const start = offset as number;
  const length = nbytes as number;
  if (start < 0 || length < 0 || start + length > payload.length) throw new WireError('array outside the payload');
  const count = (shape as number[]).reduce((a, b) => a * b, 1) * (spec.complex ? 2 : 1);
  if (count * wire.bytes !== length) throw new WireError('array size does not match its shape');
  // A view when the bytes are aligned for their type (FrameReader gives large
  // frames their own buffer, harnesses pad headers to 8 bytes); a copy otherwise.
  const at = payload.byteOffset + start;
  let data: TypedData;
  if (at % wire.bytes === 0) data = wire.view(payload.buffer as ArrayBuffer, at, length / wire.bytes);
  else {
    const copy = new ArrayBuffer(length);
    new Uint8Array(copy).set(payload.subarray(start, start + length));
    data = wire.view(copy, 0, length / wire.bytes);
  }
  const array: NDArray = { kind: 'ndarray', dtype: String(spec.dtype), shape: shape as number[], data };
  if (spec.complex) array.complex = true;
  if (typeof spec.kept === 'string' && spec.kept.length <= 64) array.kept = spec.kept;
  return array;
}

/**
 * Incremental frame parser for a byte stream. Frames larger than `maxBytes`
 * raise WireError before they are buffered.
 */
export class FrameReader {
  private buffered: Buffer[] = [];
  private length = 0;

  constructor(private readonly maxBytes: number) {}

  push(chunk: Buffer): Frame[] {
    this.buffered.push(chunk);
    this.length += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      if (this.length < PREFIX_BYTES) break;
      // Read the prefix without joining the whole buffer: a large frame
      // arrives in many chunks and is joined once, when complete.
      const head = this.buffered[0]!.length >= PREFIX_BYTES ? this.buffered[0]! : Buffer.concat(this.buffered).subarray(0, PREFIX_BYTES);
      const headerBytes = head.readUInt32LE(0);
      const payloadBytes = head.readUInt32LE(4);
      const total = PREFIX_BYTES + headerBytes + payloadBytes;
      if (total > this.maxBytes) throw new WireError(`a frame of ${total} bytes is over the limit of ${this.maxBytes} bytes`);
      if (this.length < total) break;
      const all = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      let header: unknown;
      try {
        header = JSON.parse(all.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes).toString('utf8'));
      } catch {
        throw new WireError('a frame header is not JSON');
      }
      if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new WireError('a frame header is not an object');
      frames.push({ header: header as Record<string, unknown>, payload: all.subarray(PREFIX_BYTES + headerBytes, total) });
      const rest = all.subarray(total);
      this.buffered = rest.length ? [rest] : [];
      this.length = rest.length;
    }
    return frames;
  }
}

/** A float64 scalar argument: arrives in Python as a float (np.float64), even when integral (10000.0). */
export function pyFloat(x: number): NDArray {
  return { kind: 'ndarray', dtype: 'float64', shape: [], data: Float64Array.of(x) };
}
