import { LinkedList, type ListNode } from './linked-list.ts';

const EMPTY = -1;

/**
 * Values by string key, also kept in insertion order (oldest first): for requests awaiting replies, which
 * are looked up by correlation id and expire oldest first.
 *
 * A small open-addressing table rather than a Map or an object, because both cost the in-process RPC
 * benchmark (64 callers, ~100k requests a second) dearly, as measured with --cpu-prof and --trace-gc:
 * with a Map, settled requests kept surviving young-generation GCs and being promoted, and GC took a third
 * of the CPU; with a null-prototype object, each fresh UUID key had to be interned into V8's string table,
 * which took a tenth. Here a key is hashed from at most its last 16 characters (ids are random UUIDs) and
 * compared with ===.
 */
export class OrderedIndex<V> {
  #keys: (string | undefined)[] = [];
  #hashes = new Int32Array(0);
  #nodes: (ListNode<[string, V]> | undefined)[] = [];
  #mask = -1;
  readonly #order = new LinkedList<[string, V]>();

  constructor() {
    this.#resize(64);
  }

  get size(): number {
    return this.#order.size;
  }

  /** Adds a value; a key already present is replaced. */
  add(key: string, value: V): void {
    const hash = hashOf(key);
    const present = this.#find(key, hash);
    if (present !== EMPTY) {
      this.#order.remove(this.#nodes[present]!);
      this.#vacate(present);
    }
    if ((this.#order.size + 1) * 2 > this.#keys.length) this.#resize(this.#keys.length * 2);
    this.#place(key, hash, this.#order.push([key, value]));
  }

  get(key: string): V | undefined {
    const slot = this.#find(key, hashOf(key));
    return slot === EMPTY ? undefined : this.#nodes[slot]!.value[1];
  }

  /** Removes the key's value and returns it. */
  take(key: string): V | undefined {
    const slot = this.#find(key, hashOf(key));
    if (slot === EMPTY) return undefined;
    const node = this.#nodes[slot]!;
    this.#order.remove(node);
    this.#vacate(slot);
    return node.value[1];
  }

  /** Oldest first. Taking the current entry while iterating is fine. */
  entries(): IterableIterator<[string, V]> {
    return this.#order.values();
  }

  clear(): void {
    this.#order.clear();
    this.#keys = [];
    this.#resize(64);
  }

  #find(key: string, hash: number): number {
    for (let slot = hash & this.#mask; ; slot = (slot + 1) & this.#mask) {
      const found = this.#keys[slot];
      if (found === undefined) return EMPTY;
      if (found === key) return slot;
    }
  }

  #place(key: string, hash: number, node: ListNode<[string, V]>): void {
    let slot = hash & this.#mask;
    while (this.#keys[slot] !== undefined) slot = (slot + 1) & this.#mask;
    this.#keys[slot] = key;
    this.#hashes[slot] = hash;
    this.#nodes[slot] = node;
  }

  /** Linear-probing deletion without tombstones: later entries of the same probe run shift back. */
  #vacate(hole: number): void {
    const mask = this.#mask;
    for (let slot = (hole + 1) & mask; this.#keys[slot] !== undefined; slot = (slot + 1) & mask) {
      const home = this.#hashes[slot]! & mask;
      // The entry may move into the hole only if the hole lies on its probe path from home to slot.
      const onPath = hole <= slot ? home <= hole || home > slot : home <= hole && home > slot;
      if (!onPath) continue;
      this.#keys[hole] = this.#keys[slot];
      this.#hashes[hole] = this.#hashes[slot]!;
      this.#nodes[hole] = this.#nodes[slot];
      hole = slot;
    }
    this.#keys[hole] = undefined;
    this.#nodes[hole] = undefined;
  }

  #resize(capacity: number): void {
    const keys = this.#keys;
    const hashes = this.#hashes;
    const nodes = this.#nodes;
    this.#keys = new Array<string | undefined>(capacity).fill(undefined);
    this.#hashes = new Int32Array(capacity);
    this.#nodes = new Array<ListNode<[string, V]> | undefined>(capacity).fill(undefined);
    this.#mask = capacity - 1;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      if (key !== undefined) this.#place(key, hashes[i]!, nodes[i]!);
    }
  }
}

/** FNV-1a over the last 16 characters: the random end of a UUID, cheap to read. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = Math.max(0, key.length - 16); i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 1;
}
