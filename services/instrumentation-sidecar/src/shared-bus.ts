/**
 * Sidecar ids claimed per event bus. Several sidecars may share one bus (the
 * all-in-one runs one per local browser on one in-process bus); each consumes
 * `instrument-commands` in a group named after its id, so two with the same id
 * would split the commands between them instead of both seeing every one.
 * Claims are kept per bus object (a WeakMap: nothing outlives the bus).
 */
import type { EventBus } from '@nightglow/bus';

const claims = new WeakMap<EventBus, Set<string>>();

/**
 * Claims `sidecarId` on `bus`; returns the release function, or undefined when
 * another running sidecar holds that id on the same bus.
 */
export function claimSidecarId(bus: EventBus, sidecarId: string): (() => void) | undefined {
  let ids = claims.get(bus);
  if (ids === undefined) claims.set(bus, (ids = new Set()));
  if (ids.has(sidecarId)) return undefined;
  ids.add(sidecarId);
  const held = ids;
  return () => void held.delete(sidecarId);
}
