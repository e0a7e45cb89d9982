/** What a watch stream of the broker or executor yields, in plain values. */

/**
 * One message of a followed stream: the object after a change (its current
 * state first, when it exists), or `synced` once the initial state is
 * complete (the broker sends no snapshot of a finished session, only this).
 */
export type WatchUpdate<T> = { readonly kind: 'value'; readonly value: T } | { readonly kind: 'synced' };
