/**
 * Bot-detection signals, read through an isolated world: the world shares the
 * page's DOM but not its globals, so the page's own hooks and spies never see
 * the read. One read per navigation answers all five signals.
 */
import { evaluateIsolated } from '@nightglow/cdp';
import { DetectionSignal } from '@nightglow/contracts/instrumentation/v1';
import type { PageState } from './page-state.js';

/** What the isolated world saw. */
export type DetectionProbe = {
  readonly webdriver: boolean;
  readonly userAgent: string;
  readonly permission: string;
  readonly notification: string;
  readonly renderer: string;
  readonly plugins: number;
};

/**
 * The expression evaluated in the isolated world (no main-world access at all).
 * With `webgl` false the WebGL renderer is not read (creating a WebGL context
 * costs tens of ms of the page's time; the renderer is a property of the browser,
 * so it is read once per sidecar).
 */
export const detectionExpression = (webgl: boolean): string => `(async () => {
  let permission = 'unknown';
  try { permission = (await navigator.permissions.query({ name: 'notifications' })).state; } catch (e) {}
  let renderer = '';
  if (${webgl}) try {
    const gl = document.createElement('canvas').getContext('webgl');
    if (gl) {
      const ext = gl.getExtension('WEBGL_debug_renderer_info');
      renderer = String(ext ? gl.getParameter(ext.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
    }
  } catch (e) {}
  return {
    webdriver: navigator.webdriver === true,
    userAgent: navigator.userAgent,
    permission,
    notification: typeof Notification === 'undefined' ? 'none' : Notification.permission,
    renderer,
    plugins: navigator.plugins ? navigator.plugins.length : 0,
  };
})()`;

/** One signal's verdict: detected, the observed text, and the numeric value of the measurement. */
export type SignalVerdict = { readonly detected: boolean; readonly observed: string; readonly value: number };

/** Judges one signal from a probe. */
export function judge(signal: DetectionSignal, p: DetectionProbe): SignalVerdict {
  switch (signal) {
    case DetectionSignal.WEBDRIVER:
      return { detected: p.webdriver, observed: String(p.webdriver), value: p.webdriver ? 1 : 0 };
    case DetectionSignal.HEADLESS_USER_AGENT: {
      const match = /HeadlessChrome\/[\d.]+/.exec(p.userAgent);
      return { detected: match !== null, observed: match?.[0] ?? p.userAgent, value: match ? 1 : 0 };
    }
    case DetectionSignal.PERMISSIONS: {
      const bad = p.notification === 'denied' && p.permission === 'prompt';
      return {
        detected: bad,
        observed: `notification=${p.notification} permissions=${p.permission}`,
        value: bad ? 1 : 0,
      };
    }
    case DetectionSignal.WEBGL_RENDERER: {
      const soft = p.renderer === '' || /swiftshader|llvmpipe|software/i.test(p.renderer);
      return { detected: soft, observed: p.renderer === '' ? '(no webgl)' : p.renderer, value: soft ? 1 : 0 };
    }
    case DetectionSignal.PLUGIN_COUNT:
      return { detected: p.plugins === 0, observed: String(p.plugins), value: p.plugins };
    case DetectionSignal.UNSPECIFIED:
      return { detected: false, observed: '', value: 0 };
  }
}

/** Probes per page and navigation, so five detection instruments cost one isolated-world read. */
export type DetectionCache = {
  probe(page: PageState, timeoutMs: number): Promise<DetectionProbe>;
  forget(targetId: string): void;
};

/** Creates an empty {@link DetectionCache}. */
export function createDetectionCache(): DetectionCache {
  const cache = new Map<string, { loaderId: string; probe: Promise<DetectionProbe> }>();
  let renderer: string | undefined;
  return {
    probe(page, timeoutMs) {
      const hit = cache.get(page.targetId);
      if (hit !== undefined && hit.loaderId === page.nav.loaderId) return hit.probe;
      const known = renderer;
      const probe = evaluateIsolated<DetectionProbe>(page.session, detectionExpression(known === undefined), {
        timeoutMs,
        frameId: page.mainFrameId,
      }).then((p) => {
        if (known !== undefined) return { ...p, renderer: known };
        renderer = p.renderer;
        return p;
      });
      cache.set(page.targetId, { loaderId: page.nav.loaderId, probe });
      probe.catch(() => cache.delete(page.targetId));
      return probe;
    },
    forget: (targetId) => void cache.delete(targetId),
  };
}
