/**
 * SPDY/3 header block compression (section 2.6.10.1): each direction of a connection is ONE zlib
 * stream, primed with the SPDY/3 dictionary, that every header block of that direction continues;
 * the sender ends each block with a sync flush so the receiver can decode it alone. Losing a block
 * (or decoding one out of order) breaks every later one, so both sides queue their work in order.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';
import { SPDY3_DICTIONARY } from './dictionary.ts';

/** Runs `flush`-terminated zlib jobs one at a time, collecting each job's output. */
class SerialZlib {
  private tail: Promise<unknown> = Promise.resolve();
  private chunks: Buffer[] = [];
  private failure: Error | undefined;

  constructor(private readonly stream: Deflate | Inflate) {
    stream.on('data', (chunk: Buffer) => this.chunks.push(chunk));
    stream.on('error', (err: Error) => {
      this.failure = err;
    });
  }

  run(input: Buffer): Promise<Buffer> {
    const job = this.tail.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.failure) return reject(this.failure);
          this.chunks = [];
          this.stream.write(input);
          this.stream.flush(constants.Z_SYNC_FLUSH, () => {
            if (this.failure) return reject(this.failure);
            const out = Buffer.concat(this.chunks);
            this.chunks = [];
            resolve(out);
          });
        }),
    );
    this.tail = job.catch(() => undefined);
    return job;
  }

  close(): void {
    this.stream.close();
  }
}

/** The compressing side of one connection direction. */
export class HeaderCompressor {
  private readonly zlib = new SerialZlib(createDeflate({ dictionary: SPDY3_DICTIONARY, level: constants.Z_BEST_COMPRESSION }));

  /** Compresses one uncompressed name/value block. */
  compress(block: Buffer): Promise<Buffer> {
    return this.zlib.run(block);
  }

  close(): void {
    this.zlib.close();
  }
}

/** The decompressing side of one connection direction. */
export class HeaderDecompressor {
  private readonly zlib = new SerialZlib(createInflate({ dictionary: SPDY3_DICTIONARY }));

  /** Decompresses the next compressed header block of the connection. */
  decompress(block: Buffer): Promise<Buffer> {
    return this.zlib.run(block);
  }

  close(): void {
    this.zlib.close();
  }
}
