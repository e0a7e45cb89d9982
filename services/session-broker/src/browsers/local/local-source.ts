/**
 * The `local` browser source: launches and supervises Chromium processes on
 * this host. Orphans (Chromium left by a broker that died) are reaped at start
 * and after every crash; a browser that exits unasked is reported `removed`
 * with `crashed` and how it exited, and whatever is left of its process group
 * is killed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserEndpoint, BrowserSource, LaunchOptions, SourceListener } from '../source.js';
import { launchLocalChromium, type LaunchedChromium } from './launcher.js';
import { reapOrphans, type InstanceMarker } from './orphans.js';
import { groupMembers } from './process-table.js';

/** Options of {@link createLocalSource}. */
export type LocalSourceOptions = {
  readonly pool: string;
  readonly executable: string;
  /** `LOCAL_DATA_DIR`: the root of every broker's instance folder. */
  readonly dataDir: string;
  readonly marker: InstanceMarker;
  readonly extraArgs: readonly string[];
  readonly noSandbox: boolean;
  readonly launchTimeoutMs: number;
  /** Told about orphans reaped (count), for logs. */
  readonly onReaped?: (killed: number, when: 'start' | 'crash') => void;
};

function exitMessage(exit: { code: number | null; signal: NodeJS.Signals | null }): string {
  return exit.signal !== null
    ? `browser process exited with signal ${exit.signal}`
    : `browser process exited with code ${exit.code ?? 'unknown'}`;
}

/** Creates the local source of one pool. */
export function createLocalSource(opts: LocalSourceOptions): BrowserSource {
  const running = new Map<string, LaunchedChromium>();
  const releasing = new Set<string>();
  const launching = new Set<Promise<unknown>>();
  let listener: SourceListener | undefined;
  let closed = false;
  const poolDir = join(opts.marker.dir, opts.pool);
  const reap = (when: 'start' | 'crash'): void => {
    const { killed } = reapOrphans(opts.dataDir, opts.marker);
    if (killed > 0) opts.onReaped?.(killed, when);
  };
  const supervise = (id: string, browser: LaunchedChromium): void => {
    void browser.exited.then(async (exit) => {
      if (releasing.has(id)) return;
      running.delete(id);
      listener?.removed(id, exitMessage(exit), true);
      await browser.kill(); // the rest of its process group, stragglers, its profile
      reap('crash');
    });
  };
  const release = async (id: string): Promise<void> => {
    const browser = running.get(id);
    if (browser === undefined) return;
    releasing.add(id);
    running.delete(id);
    await browser.kill();
    releasing.delete(id);
  };
  return {
    kind: 'local',
    canLaunch: true,
    start(l) {
      listener = l;
      mkdirSync(poolDir, { recursive: true });
      reap('start');
      return Promise.resolve();
    },
    launch(options: LaunchOptions): Promise<BrowserEndpoint> {
      if (closed) return Promise.reject(new Error('local source is closed'));
      const id = options.id;
      const userDataDir = join(poolDir, `${id}-${randomBytes(3).toString('hex')}`);
      const launch = (async (): Promise<BrowserEndpoint> => {
        const browser = await launchLocalChromium({
          executable: opts.executable,
          userDataDir,
          extraArgs: opts.extraArgs,
          proxyServer: options.proxyServer,
          noSandbox: opts.noSandbox,
          timeoutMs: opts.launchTimeoutMs,
        });
        if (closed) {
          await browser.kill();
          throw new Error('local source is closed');
        }
        running.set(id, browser);
        supervise(id, browser);
        return { id, wsUrl: browser.wsUrl, headers: {}, podName: '', sidecarAddress: '' };
      })();
      // close() waits for launches in flight, including the kill of one that lands after it began
      launching.add(launch);
      return launch.finally(() => launching.delete(launch));
    },
    release,
    memoryBytes(id) {
      const browser = running.get(id);
      if (browser === undefined) return undefined;
      return groupMembers(browser.pid).reduce((sum, p) => sum + p.rssBytes, 0);
    },
    async close() {
      closed = true;
      await Promise.allSettled([...launching]); // a launch in flight ends killed (see launch)
      await Promise.all([...running.keys()].map(release));
      rmSync(poolDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
      try {
        rmdirSync(opts.marker.dir); // the instance folder, once no pool of this broker uses it
      } catch {
        // another pool of this broker still has its folder there
      }
    },
  };
}
