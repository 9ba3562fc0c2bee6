import { describe, expect, it } from 'vitest';
import type { NDArray } from '../../src/runner/types.js';
import { decodeValue, FrameEncoder, FrameReader, pyFloat, WireError } from '../../src/runner/wire.js';

function frame(header: object, payload = Buffer.alloc(0)): Buffer {
  const head = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(head.length, 0);
  prefix.writeUInt32LE(payload.length, 4);
  return Buffer.concat([prefix, head, payload]);
}

describe('FrameReader', () => {
  it('reassembles frames split at any byte and several frames in one chunk', () => {
    const bytes = Buffer.concat([frame({ type: 'hello', protocol: 1 }), frame({ type: 'ready' }, Buffer.from([1, 2, 3]))]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const reader = new FrameReader(1 << 20);
      const frames = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      expect(frames.map((f) => f.header.type)).toEqual(['hello', 'ready']);
      expect([...frames[1]!.payload]).toEqual([1, 2, 3]);
    }
  });

  it('refuses a frame over the limit from its prefix alone', () => {
    const reader = new FrameReader(100);
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(50, 0);
    prefix.writeUInt32LE(1_000_000_000, 4);
    expect(() => reader.push(prefix)).toThrow(new WireError('a frame of 1000000058 bytes is over the limit of 100 bytes'));
  });

  it('refuses a header that is not a JSON object', () => {
    const head = Buffer.from('[1,2');
    const prefix = Buffer.alloc(8);
    prefix.writeUInt32LE(head.length, 0);
    expect(() => new FrameReader(1000).push(Buffer.concat([prefix, head]))).toThrow(/not JSON/);
    expect(() => new FrameReader(1000).push(frame([1, 2] as unknown as object))).toThrow(/not an object/);
  });
});

describe('values on the wire', () => {
  it('encodes arrays at 8-byte aligned offsets and decodes them back', () => {
    const encoder = new FrameEncoder();
    const a: NDArray = { kind: 'ndarray', dtype: 'int8', shape: [3], data: Int8Array.of(1, -2, 3) };
    const b: NDArray = { kind: 'ndarray', dtype: 'float64', shape: [2], data: Float64Array.of(0.1, -0) };
    const header = { args: [encoder.value(a), encoder.value(b), encoder.value({ n: NaN, z: -0, big: 1e300 })] };
    const bytes = encoder.frame(header);
    const [decoded] = new FrameReader(1 << 20).push(bytes);
    const args = decoded!.header.args as unknown[];
    expect((args[1] as { $nd: { offset: number } }).$nd.offset % 8).toBe(0);
    expect(decodeValue(args[0], decoded!.payload)).toEqual(a);
    expect(decodeValue(args[1], decoded!.payload)).toEqual(b);
    const dict = decodeValue(args[2], decoded!.payload) as Record<string, number>;
    expect(dict.n).toBeNaN();
    expect(Object.is(dict.z, -0)).toBe(true);
    expect(dict.big).toBe(1e300);
  });

  it('decodes aligned arrays as views of the frame and misaligned ones as copies, with the same values', () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => i / 7);
    const spec = { $nd: { dtype: 'float64', wire: '<f8', shape: [1000], offset: 0, nbytes: 8000 } };
    const frame = Buffer.alloc(8008);
    Buffer.from(values.buffer).copy(frame, 8);
    const aligned = decodeValue(spec, frame.subarray(8)) as NDArray;
    const misaligned = Buffer.alloc(8004);
    Buffer.from(values.buffer).copy(misaligned, 4);
    const copied = decodeValue(spec, misaligned.subarray(4)) as NDArray;
    expect(Array.from(aligned.data as Float64Array)).toEqual(Array.from(values));
    expect(Array.from(copied.data as Float64Array)).toEqual(Array.from(values));
    expect(aligned.data.buffer).toBe(frame.buffer);
    expect(copied.data.buffer).not.toBe(misaligned.buffer);
  });

  it('marks pyFloat as a 0-d float64 scalar', () => {
    const encoder = new FrameEncoder();
    expect(encoder.value(pyFloat(10000))).toEqual({ $nd: { dtype: 'float64', wire: '<f8', shape: [], offset: 0, nbytes: 8, scalar: true } });
  });

  it('rejects arrays whose data does not match their shape, and opaque values', () => {
    const encoder = new FrameEncoder();
    expect(() => encoder.value({ kind: 'ndarray', dtype: 'float64', shape: [2, 2], data: Float64Array.of(1) })).toThrow(/has 1 elements/);
    expect(() => encoder.value({ kind: 'opaque', type: 'x', repr: 'x' })).toThrow(WireError);
  });

  it('rejects answers that point outside the payload or lie about sizes', () => {
    const payload = Buffer.alloc(16);
    expect(() => decodeValue({ $nd: { dtype: 'float64', wire: '<f8', shape: [4], offset: 0, nbytes: 32 } }, payload)).toThrow(/outside the payload/);
    expect(() => decodeValue({ $nd: { dtype: 'float64', wire: '<f8', shape: [3], offset: 0, nbytes: 16 } }, payload)).toThrow(/does not match/);
    expect(() => decodeValue({ $nd: { dtype: 'float64', wire: '<x9', shape: [1], offset: 0, nbytes: 8 } }, payload)).toThrow(/unknown wire dtype/);
    expect(() => decodeValue({ $what: 1 }, payload)).toThrow(/unknown tagged value/);
  });

  it('decodes opaque values and nested dicts', () => {
    expect(decodeValue({ $dict: { a: [1, { $opaque: { type: 'generator', repr: '<gen>' } }] } }, Buffer.alloc(0))).toEqual({
      a: [1, { kind: 'opaque', type: 'generator', repr: '<gen>' }],
    });
  });
});
