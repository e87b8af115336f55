/** Seeded randomness and message mutations for the DNS fuzz and differential tests. */
export { rng as prng } from '../../support/prng.ts';

export function mutate(base: Buffer, rnd: () => number): Buffer {
  const b = Buffer.from(base);
  const ops = 1 + Math.floor(rnd() * 4);
  let out = b;
  for (let i = 0; i < ops; i++) {
    const kind = Math.floor(rnd() * 4);
    const pos = Math.floor(rnd() * out.length);
    if (kind === 0) out[pos] = Math.floor(rnd() * 256);
    else if (kind === 1) out = out.subarray(0, pos);
    else if (kind === 2) out = Buffer.concat([out, Buffer.from(Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256)))]);
    else if (out.length > 13) out[12 + Math.floor(rnd() * (out.length - 12))] = [0xc0, 0x3f, 0x40, 0xff, 0][Math.floor(rnd() * 5)];
  }
  return out;
}
