import { randomBytes } from 'node:crypto';

/** How many strings one batch is formatted into. */
const BATCH = 128;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Random strings shaped by a template, formatted a batch at a time from one call for random bytes and handed out
 * as slices of the batch. A slice is flat (read fastest by a regex, a hash or a serializer) and costs no copy,
 * where a string built per call (crypto.randomUUID's, or a template of slices) is a chain of pieces that has to
 * be flattened, at a cost, by whoever reads it first.
 *
 * In the template, `x` is a random hex digit, `v` a random one of 8, 9, a, b (a UUID's variant), and any
 * other character stands for itself.
 */
export class RandomBatch {
  readonly #template: Buffer;
  #batch = '';
  #at = 0;

  constructor(template: string) {
    this.#template = Buffer.from(template, 'latin1');
  }

  next(): string {
    const length = this.#template.length;
    if (this.#at === this.#batch.length) this.#refill();
    this.#at += length;
    return this.#batch.slice(this.#at - length, this.#at);
  }

  #refill(): void {
    const template = this.#template;
    const out = Buffer.allocUnsafe(template.length * BATCH);
    // One random byte per character: more than needed, and simpler than handing out nibbles.
    const random = randomBytes(out.length);
    for (let item = 0, i = 0; item < BATCH; item++) {
      for (let j = 0; j < template.length; j++, i++) {
        const shape = template[j]!;
        out[i] = shape === 0x78 /* x */ ? HEX[random[i]! & 0xf]! : shape === 0x76 /* v */ ? HEX[8 | (random[i]! & 0x3)]! : shape;
      }
    }
    this.#batch = out.toString('latin1');
    this.#at = 0;
  }
}
