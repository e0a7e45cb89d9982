/**
 * A small typed layer over the CDP methods and events the project uses. Any other
 * method still works through `send`/`on` with untyped params and results; add a
 * line here when a service starts relying on one. Field names follow the protocol.
 */

type Empty = Record<string, never>;

/** A target (page, iframe, worker, ...) as `Target.*` describes it. */
export type TargetInfo = {
  readonly targetId: string;
  /** `page`, `iframe`, `worker`, `service_worker`, `browser`, `tab`, `browser_ui`, ... */
  readonly type: string;
  readonly title: string;
  readonly url: string;
  readonly attached: boolean;
  readonly openerId?: string;
  readonly openerFrameId?: string;
  readonly canAccessOpener?: boolean;
  readonly browserContextId?: string;
  readonly subtype?: string;
};

/** One `Target` filter entry: the first entry whose `type` matches (or that has none) decides; `exclude` inverts it. */
export type TargetFilterEntry = { readonly type?: string; readonly exclude?: boolean };

/** A frame of `Page.getFrameTree` / `Page.frameNavigated` (the fields used here). */
export type FrameInfo = {
  readonly id: string;
  readonly parentId?: string;
  readonly loaderId: string;
  readonly url: string;
};

/** A frame and its children. */
export type FrameTree = { readonly frame: FrameInfo; readonly childFrames?: readonly FrameTree[] };

/** A value as `Runtime` returns it; with `returnByValue` the JSON value is in `value`. */
export type RemoteObject = {
  readonly type: string;
  readonly subtype?: string;
  readonly value?: unknown;
  readonly description?: string;
  readonly objectId?: string;
};

/** Why an evaluation threw. */
export type ExceptionDetails = {
  readonly text: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
  readonly exception?: RemoteObject;
};

/** Commands with typed params and results: `{ params, result }` per method. */
export type CdpCommands = {
  'Browser.getVersion': {
    params: Empty;
    result: { protocolVersion: string; product: string; revision: string; userAgent: string; jsVersion: string };
  };
  'Target.setAutoAttach': {
    params: {
      autoAttach: boolean;
      waitForDebuggerOnStart: boolean;
      flatten?: boolean;
      filter?: readonly TargetFilterEntry[];
    };
    result: Empty;
  };
  'Target.setDiscoverTargets': { params: { discover: boolean; filter?: readonly TargetFilterEntry[] }; result: Empty };
  'Target.getTargets': { params: { filter?: readonly TargetFilterEntry[] }; result: { targetInfos: TargetInfo[] } };
  'Target.createTarget': {
    params: { url: string; browserContextId?: string; newWindow?: boolean; background?: boolean };
    result: { targetId: string };
  };
  'Target.closeTarget': { params: { targetId: string }; result: { success?: boolean } };
  'Target.attachToTarget': { params: { targetId: string; flatten?: boolean }; result: { sessionId: string } };
  'Target.detachFromTarget': { params: { sessionId?: string }; result: Empty };
  'Target.createBrowserContext': { params: { disposeOnDetach?: boolean }; result: { browserContextId: string } };
  'Target.disposeBrowserContext': { params: { browserContextId: string }; result: Empty };
  'Page.enable': { params: Empty; result: Empty };
  'Page.navigate': {
    params: { url: string; referrer?: string; frameId?: string };
    result: { frameId: string; loaderId?: string; errorText?: string };
  };
  'Page.setLifecycleEventsEnabled': { params: { enabled: boolean }; result: Empty };
  'Page.getFrameTree': { params: Empty; result: { frameTree: FrameTree } };
  'Page.createIsolatedWorld': {
    params: { frameId: string; worldName?: string; grantUniversalAccess?: boolean };
    result: { executionContextId: number };
  };
  'Page.captureScreenshot': {
    params: { format?: 'png' | 'jpeg' | 'webp'; quality?: number; captureBeyondViewport?: boolean };
    result: { data: string };
  };
  'Runtime.evaluate': {
    params: {
      expression: string;
      contextId?: number;
      returnByValue?: boolean;
      awaitPromise?: boolean;
      userGesture?: boolean;
      silent?: boolean;
    };
    result: { result: RemoteObject; exceptionDetails?: ExceptionDetails };
  };
  'Runtime.runIfWaitingForDebugger': { params: Empty; result: Empty };
  'Runtime.terminateExecution': { params: Empty; result: Empty };
  'Network.enable': { params: { maxTotalBufferSize?: number; maxResourceBufferSize?: number }; result: Empty };
  'Performance.enable': { params: { timeDomain?: 'timeTicks' | 'threadTicks' }; result: Empty };
  'Performance.getMetrics': { params: Empty; result: { metrics: { name: string; value: number }[] } };
  'PerformanceTimeline.enable': { params: { eventTypes: readonly string[] }; result: Empty };
  'Memory.getDOMCounters': { params: Empty; result: { documents: number; nodes: number; jsEventListeners: number } };
};

/** Events with typed params. */
export type CdpEvents = {
  'Target.attachedToTarget': { sessionId: string; targetInfo: TargetInfo; waitingForDebugger: boolean };
  'Target.detachedFromTarget': { sessionId: string; targetId?: string };
  'Target.targetCreated': { targetInfo: TargetInfo };
  'Target.targetInfoChanged': { targetInfo: TargetInfo };
  'Target.targetDestroyed': { targetId: string };
  'Target.targetCrashed': { targetId: string; status: string; errorCode: number };
  'Page.lifecycleEvent': { frameId: string; loaderId: string; name: string; timestamp: number };
  'Page.loadEventFired': { timestamp: number };
  'Page.domContentEventFired': { timestamp: number };
  'Page.frameNavigated': { frame: FrameInfo; type?: string };
  'Page.windowOpen': { url: string; windowName: string; windowFeatures: string[]; userGesture: boolean };
  'Network.requestWillBeSent': {
    requestId: string;
    loaderId: string;
    frameId?: string;
    type?: string;
    request: { url: string; method: string };
  };
  'Inspector.detached': { reason: string };
};

/** Params of method `M`: typed for {@link CdpCommands}, a plain record otherwise. */
export type CdpParams<M extends string> = M extends keyof CdpCommands
  ? CdpCommands[M]['params']
  : Record<string, unknown>;

/** Result of method `M`: typed for {@link CdpCommands}, a plain record otherwise. */
export type CdpResult<M extends string> = M extends keyof CdpCommands
  ? CdpCommands[M]['result']
  : Record<string, unknown>;

/** Params of event `E`: typed for {@link CdpEvents}, a plain record otherwise. */
export type CdpEventParams<E extends string> = E extends keyof CdpEvents ? CdpEvents[E] : Record<string, unknown>;

/** A known command name, with autocompletion, that still accepts any other string. */
export type CdpMethod = keyof CdpCommands | (string & {});

/** A known event name, with autocompletion, that still accepts any other string. */
export type CdpEventName = keyof CdpEvents | (string & {});
