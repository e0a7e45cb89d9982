/**
 * The broker's own CDP connection to one browser. It creates and disposes of
 * browser contexts, opens each session's first page, keeps a registry of page
 * targets (which context each belongs to, which was active last) for the proxy
 * and the screencast, and auto-attaches to every page so the owning session's
 * emulation is applied while the page is still paused.
 *
 * Lifecycle: `connectBrowserAgent` → OPEN → CLOSED (by `close()` or when the
 * browser goes away; `onClose` listeners run once).
 */
import {
  connectBrowser,
  startAutoAttach,
  type AutoAttach,
  type CdpConnection,
  type CdpSession,
  type TargetInfo,
} from '@nightglow/cdp';
import type { BrowserEndpoint } from './source.js';
import { applyEmulation, type PageEmulation } from './page-setup.js';

/** Emulation key of a dedicated browser: every page of it belongs to its one session. */
export const WHOLE_BROWSER = '*';

/** A page target and when it was last created or changed (a per-agent sequence number). */
export type PageTarget = { readonly info: TargetInfo; readonly touched: number };

/** The broker's handle on one browser. */
export type BrowserAgent = {
  readonly connection: CdpConnection;
  /** `Browser.getVersion` product, e.g. `Chrome/156.0.8078.108`. */
  readonly version: string;
  readonly userAgent: string;
  createContext(proxyServer: string): Promise<string>;
  disposeContext(contextId: string): Promise<void>;
  /** Sets (or clears, with undefined) the emulation of pages of `key`: a context id or {@link WHOLE_BROWSER}. */
  setEmulation(key: string, emulation: PageEmulation | undefined): void;
  /** Opens `about:blank` in `contextId` (default context when undefined); resolves once it is set up. */
  openPage(contextId: string | undefined): Promise<{ targetId: string; session: CdpSession }>;
  /** The broker's session on a page it auto-attached to, waiting for the attach if needed. */
  pageSession(targetId: string, timeoutMs?: number): Promise<CdpSession>;
  /** The context a target belongs to, if the registry knows the target. */
  contextOf(targetId: string): string | undefined;
  /** Pages of `contextId` (every page when undefined), most recently touched first. */
  pages(contextId: string | undefined): PageTarget[];
  onClose(listener: () => void): () => void;
  close(): Promise<void>;
};

type Deferred = { promise: Promise<CdpSession>; resolve: (s: CdpSession) => void };

function deferred(): Deferred {
  let resolve: (s: CdpSession) => void = () => undefined;
  const promise = new Promise<CdpSession>((r) => (resolve = r));
  return { promise, resolve };
}

/** Connects to `endpoint`, starts page auto-attach and resolves the agent. */
export async function connectBrowserAgent(
  endpoint: BrowserEndpoint,
  opts: { readonly onSetupError?: (e: unknown) => void; readonly commandTimeoutMs?: number } = {},
): Promise<BrowserAgent> {
  const connection = await connectBrowser(endpoint.wsUrl, {
    headers: endpoint.headers,
    commandTimeoutMs: opts.commandTimeoutMs ?? 15_000,
  });
  const emulations = new Map<string, PageEmulation>();
  const targets = new Map<string, PageTarget>();
  const attached = new Map<string, Deferred>();
  let seq = 0;
  const touch = (info: TargetInfo): void => {
    if (info.type === 'page') targets.set(info.targetId, { info, touched: ++seq });
  };
  connection.on('Target.targetCreated', ({ targetInfo }) => touch(targetInfo));
  connection.on('Target.targetInfoChanged', ({ targetInfo }) => touch(targetInfo));
  connection.on('Target.targetDestroyed', ({ targetId }) => {
    targets.delete(targetId);
    attached.delete(targetId);
  });
  const slot = (targetId: string): Deferred => {
    let d = attached.get(targetId);
    if (d === undefined) attached.set(targetId, (d = deferred()));
    return d;
  };
  let userAgent = '';
  let autoAttach: AutoAttach | undefined;
  try {
    const version = await connection.send('Browser.getVersion');
    userAgent = version.userAgent;
    autoAttach = await startAutoAttach(connection, {
      onAttached: async (info, session) => {
        touch(info);
        const emulation = emulations.get(info.browserContextId ?? '') ?? emulations.get(WHOLE_BROWSER);
        if (emulation !== undefined) await applyEmulation(session, emulation, userAgent);
        slot(info.targetId).resolve(session);
      },
      onError: (e) => opts.onSetupError?.(e),
    });
    return createAgent({ connection, version: version.product, userAgent, emulations, targets, slot, autoAttach });
  } catch (e) {
    await connection.close();
    throw e;
  }
}

type AgentParts = {
  connection: CdpConnection;
  version: string;
  userAgent: string;
  emulations: Map<string, PageEmulation>;
  targets: Map<string, PageTarget>;
  slot: (targetId: string) => Deferred;
  autoAttach: AutoAttach;
};

function createAgent(p: AgentParts): BrowserAgent {
  const { connection } = p;
  const pageSession = async (targetId: string, timeoutMs = 10_000): Promise<CdpSession> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`page ${targetId} was not attached within ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([p.slot(targetId).promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    connection,
    version: p.version,
    userAgent: p.userAgent,
    async createContext(proxyServer) {
      const params = { disposeOnDetach: false, ...(proxyServer ? { proxyServer } : {}) };
      return (await connection.send('Target.createBrowserContext', params)).browserContextId;
    },
    async disposeContext(contextId) {
      p.emulations.delete(contextId);
      await connection.send('Target.disposeBrowserContext', { browserContextId: contextId });
    },
    setEmulation(key, emulation) {
      if (emulation === undefined) p.emulations.delete(key);
      else p.emulations.set(key, emulation);
    },
    async openPage(contextId) {
      const params = { url: 'about:blank', ...(contextId === undefined ? {} : { browserContextId: contextId }) };
      const { targetId } = await connection.send('Target.createTarget', params);
      return { targetId, session: await pageSession(targetId) };
    },
    pageSession,
    contextOf: (targetId) => p.targets.get(targetId)?.info.browserContextId,
    pages: (contextId) =>
      [...p.targets.values()]
        .filter((t) => contextId === undefined || t.info.browserContextId === contextId)
        .sort((a, b) => b.touched - a.touched),
    onClose: (listener) => connection.onClose(() => listener()),
    async close() {
      await p.autoAttach.stop().catch(() => undefined);
      await connection.close();
    },
  };
}
