export interface ListNode<V> {
  readonly value: V;
  prev: ListNode<V> | undefined;
  next: ListNode<V> | undefined;
  linked: boolean;
}

/**
 * A doubly linked list, oldest first, whose push returns the node to remove it by in O(1). For things in
 * flight that churn fast (unacked deliveries, pending requests): on V8 a Map or Set churning at tens of
 * thousands of entries a second under concurrency kept its short-lived entries alive across
 * young-generation GCs, so they were promoted and GC took a third of the CPU; plain objects are not.
 */
export class LinkedList<V> {
  #head: ListNode<V> | undefined;
  #tail: ListNode<V> | undefined;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(value: V): ListNode<V> {
    const node: ListNode<V> = { value, prev: this.#tail, next: undefined, linked: true };
    if (this.#tail) this.#tail.next = node;
    else this.#head = node;
    this.#tail = node;
    this.#size++;
    return node;
  }

  /** Unlinks the node; false when it was already removed. */
  remove(node: ListNode<V>): boolean {
    if (!node.linked) return false;
    node.linked = false;
    if (node.prev) node.prev.next = node.next;
    else this.#head = node.next;
    if (node.next) node.next.prev = node.prev;
    else this.#tail = node.prev;
    this.#size--;
    return true;
  }

  /** The oldest node, or undefined when empty. */
  first(): ListNode<V> | undefined {
    return this.#head;
  }

  /** Oldest first. Removing the current node while iterating is fine. */
  *values(): IterableIterator<V> {
    for (let node = this.#head; node; ) {
      const next = node.next;
      yield node.value;
      node = next;
    }
  }

  clear(): void {
    for (let node = this.#head; node; node = node.next) node.linked = false;
    this.#head = this.#tail = undefined;
    this.#size = 0;
  }
}
