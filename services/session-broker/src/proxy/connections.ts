/**
 * The open CDP proxy connections of this replica, by session, so a session
 * that closes (deleted, expired, crashed) has its connections cut at once, and
 * a draining broker can cut them all.
 */

/** Something that can be closed with a WebSocket close code and reason. */
export type Closable = { close(code: number, reason: string): void };

/** Open connections by session. */
export type ProxyConnections = {
  /** Registers a connection; returns its unregister function. */
  add(sessionId: string, connection: Closable): () => void;
  /** Closes every connection of `sessionId` with code 4000 and `reason`. */
  cut(sessionId: string, reason: string): void;
  /** Closes every connection (drain), code 1001. */
  cutAll(reason: string): void;
  /** Open connections (all sessions). */
  count(): number;
};

/** Close code sent when the session ended: the client should not reconnect. */
export const SESSION_CLOSED_CODE = 4000;

/** Creates an empty registry. */
export function createProxyConnections(): ProxyConnections {
  const bySession = new Map<string, Set<Closable>>();
  let total = 0;
  return {
    add(sessionId, connection) {
      let set = bySession.get(sessionId);
      if (set === undefined) bySession.set(sessionId, (set = new Set()));
      set.add(connection);
      total++;
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        total--;
        set.delete(connection);
        if (set.size === 0 && bySession.get(sessionId) === set) bySession.delete(sessionId);
      };
    },
    cut(sessionId, reason) {
      for (const c of [...(bySession.get(sessionId) ?? [])]) c.close(SESSION_CLOSED_CODE, reason.slice(0, 120));
    },
    cutAll(reason) {
      for (const set of [...bySession.values()]) for (const c of [...set]) c.close(1001, reason.slice(0, 120));
    },
    count: () => total,
  };
}
