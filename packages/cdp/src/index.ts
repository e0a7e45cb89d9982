/**
 * @nightglow/cdp: a raw Chrome DevTools Protocol client (no puppeteer). A transport
 * port with a WebSocket and an in-memory implementation, a connection with a
 * timeout on every command and typed errors, flat sessions, flat auto-attach
 * that never sends `Runtime.enable`, and isolated-world evaluation.
 */
export { startAutoAttach, targetMatchesFilter, DEFAULT_TARGET_FILTER } from './auto-attach.js';
export type { AttachedTarget, AutoAttach, AutoAttachOptions, AutoAttachState } from './auto-attach.js';
export { connectBrowser, fetchBrowserVersion } from './browser.js';
export type { BrowserVersionInfo, ConnectBrowserOptions } from './browser.js';
export { createCdpConnection, DEFAULT_COMMAND_TIMEOUT_MS } from './connection.js';
export type {
  CdpConnection,
  CdpConnectionOptions,
  CdpConnectionState,
  CdpSendOptions,
  CdpSession,
} from './connection.js';
export { CdpError, isCdpError } from './errors.js';
export type { CdpErrorCode, CdpErrorInit } from './errors.js';
export { waitForEvent } from './event-router.js';
export type { CdpEventFilter, CdpEventHandler, CdpEventSource, WaitForEventOptions } from './event-router.js';
export { createIsolatedWorld, evaluateInContext, evaluateIsolated, getMainFrameId } from './isolated-world.js';
export type { EvaluateOptions, IsolatedWorld, IsolatedWorldOptions } from './isolated-world.js';
export { parseCdpMessage } from './messages.js';
export type {
  CdpCommandMessage,
  CdpEventMessage,
  CdpIncomingMessage,
  CdpProtocolError,
  CdpResponseMessage,
} from './messages.js';
export { systemCdpClock } from './pending-commands.js';
export type { CdpClock } from './pending-commands.js';
export type {
  CdpCommands,
  CdpEventName,
  CdpEventParams,
  CdpEvents,
  CdpMethod,
  CdpParams,
  CdpResult,
  ExceptionDetails,
  FrameInfo,
  FrameTree,
  RemoteObject,
  TargetFilterEntry,
  TargetInfo,
} from './protocol.js';
export { createMemoryTransportPair } from './transport.js';
export type { CdpTransport, MemoryTransportPair } from './transport.js';
export { connectWebSocketTransport, DEFAULT_MAX_PAYLOAD } from './ws-transport.js';
export type { WebSocketTransportOptions } from './ws-transport.js';
