import { randomBytes } from 'node:crypto';

/** How many strings one batch is formatted into. */
const BATCH = 128;
const HEX = Buffer.from('0123456789abcdef', 'latin1');

/**
 * Random strings shaped by a template, formatted a batch at a time and handed out as slices of the batch.
 * A slice is flat (read fastest by a regex, a hash or a serializer) and costs no copy, where a string built
 * per call (crypto.randomUUID's, or a template of slices) is a chain of pieces that has to be flattened, at a
 * cost, by whoever reads it first. A batch is random bytes turned into hex digits in native code, over which
 * the template's fixed characters are then written.
 *
 * In the template, `x` is a random hex digit, `v` a random one of 8, 9, a, b (a UUID's variant), and any
 * other character stands for itself.
 */
export class RandomBatch {
  readonly #length: number;
  /** Positions in the template of the characters that are not random digits, and what goes there. */
  readonly #fixed: [position: number, code: number][] = [];
  readonly #variants: number[] = [];
  #batch = '';
  #at = 0;

  constructor(template: string) {
    this.#length = template.length;
    for (let i = 0; i < template.length; i++) {
      if (template[i] === 'v') this.#variants.push(i);
      else if (template[i] !== 'x') this.#fixed.push([i, template.charCodeAt(i)]);
    }
  }

  next(): string {
    if (this.#at === this.#batch.length) this.#refill();
    this.#at += this.#length;
    return this.#batch.slice(this.#at - this.#length, this.#at);
  }

  #refill(): void {
    const length = this.#length;
    const digits = Buffer.from(randomBytes(Math.ceil((length * BATCH) / 2)).toString('hex'), 'latin1');
    for (let start = 0; start < length * BATCH; start += length) {
      for (const [position, code] of this.#fixed) digits[start + position] = code;
      for (const position of this.#variants) digits[start + position] = HEX[8 | (hexValue(digits[start + position]!) & 0x3)]!;
    }
    this.#batch = digits.toString('latin1', 0, length * BATCH);
    this.#at = 0;
  }
}

function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}
