/**
 * One browser of a pool's fleet and its start: the endpoint arrives (a local
 * launch or a discovered address), the broker connects its own agent, and the
 * browser turns READY — unless the fleet forgot it meanwhile, in which case the
 * fresh connection is closed again.
 *
 * Lifecycle (`BrowserStateName`): STARTING → READY → DRAINING (no new
 * sessions; stopped when empty) → gone; or UNHEALTHY → gone.
 */
import type { Clock } from '@nightglow/runtime';
import { BrokerError } from '../errors.js';
import type { BrowserAgent } from '../browsers/browser-agent.js';
import type { BrowserEndpoint } from '../browsers/source.js';
import type { BrowserRole, BrowserStateName } from './placement.js';

/** One browser of the fleet. */
export type ManagedBrowser = {
  readonly id: string;
  state: BrowserStateName;
  role: BrowserRole;
  endpoint: BrowserEndpoint | undefined;
  agent: BrowserAgent | undefined;
  /** Sessions placed on it (reserved at placement, removed at unplace). */
  readonly sessions: Set<string>;
  sessionsServed: number;
  startTimeMs: number;
  idleSinceMs: number;
  /** Settles when the browser is READY (or failed to get there). */
  readonly ready: Promise<BrowserAgent>;
};

/** Opens the broker's own connection to an endpoint. */
export type ManagedBrowserConnect = (endpoint: BrowserEndpoint) => Promise<BrowserAgent>;

/** Inputs of {@link startManagedBrowser}. */
export type ManagedBrowserStart = {
  readonly id: string;
  readonly role: BrowserRole;
  readonly endpoint: Promise<BrowserEndpoint>;
  readonly connect: ManagedBrowserConnect;
  readonly clock: Clock;
  /** Whether the fleet still holds this browser (a browser it forgot must not turn READY). */
  readonly isCurrent: (b: ManagedBrowser) => boolean;
  /** The agent's connection closed (the browser went away, or the agent was closed). */
  readonly onConnectionClosed: (b: ManagedBrowser) => void;
};

/** Creates the browser in STARTING and starts connecting; `ready` settles with the outcome. */
export function startManagedBrowser(s: ManagedBrowserStart): ManagedBrowser {
  const b: ManagedBrowser = {
    id: s.id,
    state: 'STARTING',
    role: s.role,
    endpoint: undefined,
    agent: undefined,
    sessions: new Set(),
    sessionsServed: 0,
    startTimeMs: 0,
    idleSinceMs: s.clock.now(),
    get ready(): Promise<BrowserAgent> {
      return ready;
    },
  };
  const ready = s.endpoint.then(async (ep) => {
    b.endpoint = ep;
    const agent = await s.connect(ep);
    b.agent = agent;
    agent.onClose(() => s.onConnectionClosed(b));
    if (!s.isCurrent(b)) {
      await agent.close();
      throw new BrokerError('UNAVAILABLE', `browser ${b.id} went away while starting`);
    }
    b.state = 'READY';
    b.startTimeMs = s.clock.now();
    b.idleSinceMs = s.clock.now();
    return agent;
  });
  return b;
}
