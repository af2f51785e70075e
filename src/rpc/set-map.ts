/** A Map of keys to non-empty Sets: adding and removing are O(1), an emptied Set goes. */
export class SetMap<K, V> {
  private readonly map = new Map<K, Set<V>>();

  add(key: K, value: V): void {
    let set = this.map.get(key);
    if (set === undefined) this.map.set(key, (set = new Set()));
    set.add(value);
  }

  /** Removes one value; false when it was not there. */
  delete(key: K, value: V): boolean {
    const set = this.map.get(key);
    if (set === undefined || !set.delete(value)) return false;
    if (set.size === 0) this.map.delete(key);
    return true;
  }

  get(key: K): ReadonlySet<V> | undefined {
    return this.map.get(key);
  }
}
