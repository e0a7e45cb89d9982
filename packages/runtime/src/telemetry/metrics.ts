/**
 * Prometheus metrics. Each service owns one registry (never the global one, so
 * several services can share a process) with the process defaults and the RPC
 * server metrics below; services register their own metrics on `registry`
 * (hot paths through the families in `families.ts`).
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import {
  counterFamily,
  gaugeFamily,
  histogramFamily,
  type CounterChild,
  type Family,
  type GaugeChild,
  type HistogramChild,
} from './families.js';

/** The RPC metrics every server records. */
export type RpcMetrics = {
  /** `nightglow_rpc_server_handled_total{rpc_service,rpc_method,code,protocol}`. */
  readonly handled: Family<CounterChild>;
  /** `nightglow_rpc_server_duration_seconds{rpc_service,rpc_method,protocol}`: time to the final status. */
  readonly duration: Family<HistogramChild>;
  /** `nightglow_rpc_server_in_flight{rpc_service,rpc_method}`: calls being served right now. */
  readonly inFlight: Family<GaugeChild>;
  /** `nightglow_rpc_server_stream_messages_sent_total{rpc_service,rpc_method}`. */
  readonly streamMessages: Family<CounterChild>;
};

/** A service's metrics: its registry plus the shared RPC metrics. */
export type Metrics = {
  readonly registry: Registry;
  readonly rpc: RpcMetrics;
};

/** Latency buckets in seconds, 0.5 ms to 60 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Creates a registry labelled `service=<name>` with process defaults and RPC metrics. */
export function createMetrics(serviceName: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service: serviceName });
  collectDefaultMetrics({ register: registry, prefix: 'nightglow_' });
  return {
    registry,
    rpc: {
      handled: counterFamily({
        name: 'nightglow_rpc_server_handled_total',
        help: 'RPCs completed by the server, by final status code.',
        labelNames: ['rpc_service', 'rpc_method', 'code', 'protocol'],
        registry,
      }),
      duration: histogramFamily({
        name: 'nightglow_rpc_server_duration_seconds',
        help: 'Server-side RPC latency from receipt to the final status.',
        labelNames: ['rpc_service', 'rpc_method', 'protocol'],
        buckets: LATENCY_BUCKETS,
        registry,
      }),
      inFlight: gaugeFamily({
        name: 'nightglow_rpc_server_in_flight',
        help: 'RPCs currently being served.',
        labelNames: ['rpc_service', 'rpc_method'],
        registry,
      }),
      streamMessages: counterFamily({
        name: 'nightglow_rpc_server_stream_messages_sent_total',
        help: 'Messages sent on server streams.',
        labelNames: ['rpc_service', 'rpc_method'],
        registry,
      }),
    },
  };
}
