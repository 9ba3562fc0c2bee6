import { constants, crc32, deflateRawSync, deflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, body, CRC. */
export function pngChunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(body).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

/** A PNG file from its IHDR fields (8-bit, no interlace), extra chunks before the image data, and the raw scanlines. */
export function pngFile(width: number, height: number, colorType: number, raw: Uint8Array, before: Buffer[] = []): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = colorType;
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', header), ...before, pngChunk('IDAT', deflateSync(raw)), pngChunk('IEND', new Uint8Array())]);
}

/**
 * A decompression bomb: an RGB header claiming width x height pixels over a
 * few blank rows of data. Well under a kilobyte; decoding it allocates
 * width x height x 4 bytes.
 */
export function bombPng(width: number, height: number): Buffer {
  return pngFile(width, height, 2, Buffer.alloc((width * 3 + 1) * 4));
}

/**
 * A decompression bomb that a header check cannot see: a plausible RGBA
 * header (8-bit, interlaced or not) over image data that inflates to
 * `inflatesTo` bytes of zeros, far past what the header's pixels need. The
 * zlib stream is valid to its end (checksum included): one megabyte of
 * zeros deflated and flushed to a byte boundary with a dictionary reset
 * (so the same bytes can repeat), `inflatesTo / 1 MiB` times, then an empty
 * final block. 4 GiB make a 4 MiB file.
 */
export function inflationBombPng(width: number, height: number, inflatesTo: number, options: { interlaced?: boolean } = {}): Buffer {
  const block = 1024 * 1024;
  const repeats = Math.ceil(inflatesTo / block);
  const piece = deflateRawSync(Buffer.alloc(block), { level: 9, finishFlush: constants.Z_FULL_FLUSH });
  const total = repeats * block;
  // Adler-32 of `total` zero bytes: a stays 1, b adds 1 per byte.
  const adler = ((total % 65521) * 65536 + 1) >>> 0;
  const tail = Buffer.alloc(9);
  tail.set([0x01, 0x00, 0x00, 0xff, 0xff]);
  tail.writeUInt32BE(adler, 5);
  const zlib = Buffer.concat([Buffer.from([0x78, 0xda]), ...Array.from({ length: repeats }, () => piece), tail]);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 6;
  header[12] = options.interlaced ? 1 : 0;
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', zlib), pngChunk('IEND', new Uint8Array())]);
}

/**
 * A header claiming width x height RGB pixels over image data that is not a
 * zlib stream at all: decoding fails at once. A reader that refuses it for
 * its size, with the size message, decided from the header without
 * inflating anything.
 */
export function headerOnlyPng(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const notZlib = Buffer.from('not a zlib stream: inflating this fails');
  return Buffer.concat([SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', notZlib), pngChunk('IEND', new Uint8Array())]);
}
