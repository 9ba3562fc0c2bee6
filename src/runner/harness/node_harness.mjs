// rubricate's JavaScript/TypeScript harness: speaks docs/runner-protocol.md
// (version 1) on fds 3 (requests) and 4 (answers). Learner code is untrusted;
// this file only relays calls and never sees expected values.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const REQ = 3;
const ANS = 4;
const config = JSON.parse(process.argv[2] ?? '{}');
const limits = config.limits ?? {};
const answerBytes = limits.answerBytes ?? 64 * 1024 * 1024;
const outputCap = limits.outputBytes ?? 128 * 1024;

function writeAll(fd, buf) {
  let off = 0;
  while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
}

function sendFrame(header, payload = Buffer.alloc(0)) {
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeUInt32LE(h.length, 0);
  prefix.writeUInt32LE(payload.length, 4);
  writeAll(ANS, Buffer.concat([prefix, h, payload]));
}

function readExactly(n) {
  const buf = Buffer.alloc(n);
  let off = 0;
  while (off < n) {
    const got = fs.readSync(REQ, buf, off, n - off, null);
    if (got === 0) return undefined;
    off += got;
  }
  return buf;
}

function readFrame() {
  const prefix = readExactly(8);
  if (!prefix) return undefined;
  const h = prefix.readUInt32LE(0);
  const p = prefix.readUInt32LE(4);
  const header = JSON.parse(readExactly(h).toString('utf8'));
  const payload = p > 0 ? readExactly(p) : Buffer.alloc(0);
  return { header, payload };
}

// ---- learner output: console and process.stdout/stderr become output frames
let sentOutput = 0;
let dropped = 0;
for (const stream of ['stdout', 'stderr']) {
  process[stream].write = (chunk, encoding, cb) => {
    let bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : Buffer.from(chunk);
    if (sentOutput >= outputCap) {
      dropped += bytes.length;
    } else {
      if (bytes.length > outputCap - sentOutput) {
        dropped += bytes.length - (outputCap - sentOutput);
        bytes = bytes.subarray(0, outputCap - sentOutput);
      }
      sentOutput += bytes.length;
      sendFrame({ type: 'output', stream, dropped }, bytes);
    }
    if (typeof encoding === 'function') encoding();
    else if (typeof cb === 'function') cb();
    return true;
  };
}

// ---- values
const WIRE = {
  '<f8': [8, (b, o, n) => new Float64Array(b.slice(o, o + n))],
  '<f4': [4, (b, o, n) => new Float32Array(b.slice(o, o + n))],
  '<i8': [8, (b, o, n) => new BigInt64Array(b.slice(o, o + n))],
  '<i4': [4, (b, o, n) => new Int32Array(b.slice(o, o + n))],
  '|i1': [1, (b, o, n) => new Int8Array(b.slice(o, o + n))],
  '|u1': [1, (b, o, n) => new Uint8Array(b.slice(o, o + n))],
};

function decode(v, payload) {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => decode(x, payload));
  if ('$float' in v) return { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 }[v.$float];
  if ('$dict' in v) return Object.fromEntries(Object.entries(v.$dict).map(([k, x]) => [k, decode(x, payload)]));
  if ('$nd' in v) {
    const spec = v.$nd;
    const make = WIRE[spec.wire];
    if (!make) throw new Error(`unknown wire type ${spec.wire}`);
    const ab = payload.buffer.slice(payload.byteOffset, payload.byteOffset + payload.length);
    const data = make[1](ab, spec.offset, spec.nbytes);
    if (spec.scalar) return typeof data[0] === 'bigint' ? Number(data[0]) : data[0];
    return { data, shape: [...spec.shape] };
  }
  return v;
}

const DTYPE = [
  [Float64Array, 'float64', '<f8'],
  [Float32Array, 'float32', '<f4'],
  [BigInt64Array, 'int64', '<i8'],
  [Int32Array, 'int32', '<i4'],
  [Int8Array, 'int8', '|i1'],
  [Uint8Array, 'uint8', '|u1'],
];

class Encoder {
  constructor() {
    this.chunks = [];
    this.size = 0;
    this.arrays = [];
  }
  array(data, shape) {
    const entry = DTYPE.find(([T]) => data instanceof T);
    if (!entry) return { $opaque: { type: data.constructor.name, repr: `${data.constructor.name}(${data.length})` } };
    const count = shape.reduce((a, b) => a * b, 1);
    if (count !== data.length) throw new BadAnswer(`an array with shape [${shape.join(', ')}] holds ${data.length} values`);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const pad = (8 - (this.size % 8)) % 8;
    if (pad) this.chunks.push(Buffer.alloc(pad));
    const offset = this.size + pad;
    this.size = offset + bytes.length;
    if (this.size > answerBytes) throw new BadAnswer(`the answer exceeds ${answerBytes} bytes`);
    this.chunks.push(Buffer.from(bytes));
    this.arrays.push(data);
    return { $nd: { dtype: entry[1], wire: entry[2], shape, offset, nbytes: bytes.length } };
  }
  value(v, top = false, depth = 0) {
    if (depth > 64) throw new BadAnswer('value nested too deeply');
    if (v === null || v === undefined) return null;
    if (typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return { $float: 'nan' };
      if (v === Infinity) return { $float: 'inf' };
      if (v === -Infinity) return { $float: '-inf' };
      if (Object.is(v, -0)) return { $float: '-0' };
      return v;
    }
    if (typeof v === 'bigint') return Number(v);
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return this.array(v, [v.length]);
    if (Array.isArray(v)) {
      const nested = nestedShape(v);
      // The top level of an answer is a tuple unless it is a flat list of numbers.
      if (nested && (!top || nested.length === 1)) return this.array(Float64Array.from(v.flat(Infinity)), nested);
      return v.map((x) => this.value(x, false, depth + 1));
    }
    if (typeof v === 'object' && ArrayBuffer.isView(v.data) && Array.isArray(v.shape)) return this.array(v.data, [...v.shape]);
    if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      return { $dict: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.value(x, false, depth + 1)])) };
    }
    const type = v?.constructor?.name ?? typeof v;
    return { $opaque: { type, repr: String(v).slice(0, 200) } };
  }
  payload() {
    return Buffer.concat(this.chunks);
  }
}

class BadAnswer extends Error {}

/** The shape of a rectangular nested array of numbers, or undefined. */
function nestedShape(v) {
  if (!Array.isArray(v)) return typeof v === 'number' ? [] : undefined;
  if (v.length === 0) return [0];
  const inner = nestedShape(v[0]);
  if (!inner) return undefined;
  for (const x of v) {
    const s = nestedShape(x);
    if (!s || s.length !== inner.length || s.some((n, i) => n !== inner[i])) return undefined;
  }
  return [v.length, ...inner];
}

// ---- errors
const root = path.resolve(config.root ?? process.cwd());
// Learner code starts in its scratch copy, as under Python (bubblewrap starts a sandbox user in /).
try {
  process.chdir(config.cwd ?? root);
} catch {
  /* the relative paths of learner code then fail, as they would anywhere it may not write */
}
const sourceOf = (file) => file.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts');

function learnerFrames(error) {
  const stack = typeof error?.stack === 'string' ? error.stack : '';
  const frames = [];
  for (const line of stack.split('\n').slice(1)) {
    const m = /\(?(?:file:\/\/)?(\/[^():]+):(\d+):(\d+)\)?\s*$/.exec(line);
    if (!m || !m[1].startsWith(root + path.sep)) continue;
    const rel = path.relative(root, m[1]).split(path.sep).join('/');
    frames.push({ line: line.replace(m[1], rel).replace('file://', '').trim(), file: rel, lineNo: Number(m[2]), column: Number(m[3]) });
  }
  return frames;
}

function failureOf(kind, error, prefix = '') {
  const name = error?.name ?? 'Error';
  const message = error && typeof error === 'object' && 'message' in error ? String(error.message) : String(error);
  const failure = { kind, message: `${prefix}${name}: ${message}`.slice(0, 500) };
  if (error instanceof RangeError && /allocation|memory|Array buffer/i.test(message)) failure.kind = 'memory';
  const frames = learnerFrames(error);
  if (frames.length > 0) {
    failure.traceback = [`${name}: ${message}`.slice(0, 500), ...frames.map((f) => `    ${f.line}`)].join('\n');
    const top = frames[0];
    failure.location = { file: config.sourceFiles?.[top.file] ?? top.file, line: top.lineNo, column: top.column };
  }
  return failure;
}

// ---- main
sendFrame({ type: 'hello', protocol: 1, language: 'javascript', runtime: process.version, numpy: null, pid: process.pid });

let mod;
try {
  const file = path.join(root, config.runModule ?? config.module);
  mod = await import(pathToFileURL(file).href);
} catch (error) {
  sendFrame({ type: 'import-failure', ...failureOf('import-error', error, 'import failed: ') });
  process.exit(0);
}
sendFrame({ type: 'ready' });

const exported = (name) => {
  if (typeof mod[name] === 'function') return mod[name];
  if (mod.default && typeof mod.default[name] === 'function') return mod.default[name].bind(mod.default);
  return undefined;
};

for (;;) {
  const frame = readFrame();
  if (!frame || frame.header.type === 'exit') process.exit(0);
  const { id, fn, args = [], kwargs, returnInputs } = frame.header;
  const f = exported(fn);
  if (!f) {
    sendFrame({ type: 'failure', id, kind: 'missing-function', message: `the module exports no function named ${fn}` });
    continue;
  }
  const decoded = decode(args, frame.payload);
  const extra = kwargs && kwargs.$dict ? Object.values(decode(kwargs, frame.payload)) : [];
  const started = performance.now();
  let value;
  try {
    value = await f(...decoded, ...extra);
  } catch (error) {
    sendFrame({ type: 'failure', id, ...failureOf('exception', error) });
    continue;
  }
  const durationMs = performance.now() - started;
  try {
    const enc = new Encoder();
    const header = { type: 'result', id, value: enc.value(value, true), durationMs };
    if (returnInputs) {
      const argBuffers = decoded.map((a) => (a && ArrayBuffer.isView(a.data) ? a.data.buffer : undefined));
      const returned = enc.arrays.slice();
      header.aliases = returned.map((d) => argBuffers.findIndex((b) => b !== undefined && b === d.buffer));
      header.inputsAfter = decoded.map((a) => enc.value(a));
    }
    sendFrame(header, enc.payload());
  } catch (error) {
    const kind = error instanceof BadAnswer ? 'malformed' : 'internal';
    sendFrame({ type: 'failure', id, kind, message: String(error.message ?? error) });
  }
}
