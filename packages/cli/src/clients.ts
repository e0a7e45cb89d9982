/**
 * Connect clients (HTTP/1.1, binary protobuf) for the three services. Every
 * failure is rethrown as an {@link RpcFailure} naming the service and URL, for
 * unary calls and for streams alike; record-store calls carry the API key.
 */
import type { DescService } from '@bufbuild/protobuf';
import { ConnectError, createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { SessionBroker } from '@nightglow/contracts/broker/v1';
import { TaskExecutor } from '@nightglow/contracts/executor/v1';
import { RecordStore } from '@nightglow/contracts/records/v1';
import { RpcFailure, type ServiceName } from './errors.js';
import type { Endpoints } from './endpoints.js';

/** The largest message the CLI accepts (screencast frames, artifacts): 64 MiB. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Typed clients of the three services. */
export type Clients = {
  readonly broker: Client<typeof SessionBroker>;
  readonly executor: Client<typeof TaskExecutor>;
  readonly records: Client<typeof RecordStore>;
};

type AnyMethod = (...args: unknown[]) => unknown;

/**
 * Wraps a client so that every failure of a call (or of a stream's messages)
 * is rethrown as an RpcFailure naming the service and URL. (An interceptor
 * cannot do this: connect normalizes whatever it throws back into a ConnectError.)
 */
export function annotateFailures<S extends DescService>(
  service: S,
  inner: Client<S>,
  name: ServiceName,
  url: string,
): Client<S> {
  const wrap = (e: unknown): RpcFailure => new RpcFailure(name, url, ConnectError.from(e));
  const methods = inner as unknown as Record<string, AnyMethod>;
  const out: Record<string, AnyMethod> = {};
  for (const m of service.methods) {
    const call = methods[m.localName];
    if (!call) continue;
    out[m.localName] =
      m.methodKind === 'server_streaming'
        ? async function* (...args: unknown[]) {
            try {
              yield* call(...args) as AsyncIterable<unknown>;
            } catch (e) {
              throw wrap(e);
            }
          }
        : async (...args: unknown[]) => {
            try {
              return await (call(...args) as Promise<unknown>);
            } catch (e) {
              throw wrap(e);
            }
          };
  }
  return out as unknown as Client<S>;
}

/** Sends `authorization: Bearer <key>`. */
export function bearer(key: string): Interceptor {
  return (next) => (req) => {
    req.header.set('authorization', `Bearer ${key}`);
    return next(req);
  };
}

function client<S extends DescService>(
  service: S,
  name: ServiceName,
  url: string,
  extra: readonly Interceptor[] = [],
): Client<S> {
  const transport = createConnectTransport({
    baseUrl: url,
    httpVersion: '1.1',
    useBinaryFormat: true,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
    interceptors: [...extra],
  });
  return annotateFailures(service, createClient(service, transport), name, url);
}

/** Creates the clients for `endpoints`; `apiKey` authorizes record-store calls. */
export function createClients(endpoints: Endpoints, apiKey: string | undefined): Clients {
  return {
    broker: client(SessionBroker, 'broker', endpoints.broker.url),
    executor: client(TaskExecutor, 'executor', endpoints.executor.url),
    records: client(RecordStore, 'records', endpoints.records.url, apiKey ? [bearer(apiKey)] : []),
  };
}
