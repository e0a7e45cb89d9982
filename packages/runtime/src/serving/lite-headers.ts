/**
 * A Map-backed implementation of the Fetch `Headers` interface for the native
 * gRPC hot path. undici's `Headers` validates and normalises on every call,
 * which costs several microseconds per RPC; gRPC metadata keys arrive already
 * lower-cased and validated by grpc-js, so a plain map is enough. Semantics
 * follow the spec where handlers can see them: case-insensitive names,
 * `append` joins with ", ", iteration in sorted name order.
 */
export class LiteHeaders implements Headers {
  private readonly map = new Map<string, string>();

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [k, v] of init) this.append(k, v);
  }

  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const prev = this.map.get(key);
    this.map.set(key, prev === undefined ? value : `${prev}, ${value}`);
  }

  delete(name: string): void {
    this.map.delete(name.toLowerCase());
  }

  get(name: string): string | null {
    return this.map.get(name.toLowerCase()) ?? null;
  }

  getSetCookie(): string[] {
    const v = this.map.get('set-cookie');
    return v === undefined ? [] : [v];
  }

  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }

  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), value);
  }

  /** True when no header is set (cheaper than iterating). */
  isEmpty(): boolean {
    return this.map.size === 0;
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) callback.call(thisArg, v, k, this);
  }

  *entries(): IterableIterator<[string, string]> {
    const keys = [...this.map.keys()].sort();
    for (const k of keys) yield [k, this.map.get(k) as string];
  }

  *keys(): IterableIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<string> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
