import type { V1EndpointSlice } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubernetesSourceConfig } from '../pools/pool-config.js';
import { endpointsOf } from './kube-source.js';

const config: KubernetesSourceConfig = {
  kind: 'kubernetes',
  namespace: 'b',
  labelSelector: 'kubernetes.io/service-name=s',
  portName: 'cdp-gateway',
  port: 9223,
  sidecarPort: 50053,
};

describe('EndpointSlice endpoints', () => {
  it('takes ready endpoints, names them after their pod and finds the gateway port by name', () => {
    const slices = [
      {
        addressType: 'IPv4',
        ports: [
          { name: 'metrics', port: 9000 },
          { name: 'cdp-gateway', port: 9555 },
        ],
        endpoints: [
          { addresses: ['10.0.0.1'], conditions: { ready: true }, targetRef: { kind: 'Pod', name: 'pod-a' } },
          { addresses: ['10.0.0.2'], conditions: { ready: false }, targetRef: { kind: 'Pod', name: 'pod-b' } },
          { addresses: ['10.0.0.3'] },
        ],
      },
      { addressType: 'IPv6', endpoints: [{ addresses: ['fd00::4'], conditions: { ready: true } }] },
    ] as V1EndpointSlice[];
    expect(endpointsOf(slices, config)).toEqual([
      { id: 'pod-a', url: 'http://10.0.0.1:9555', sidecarAddress: '10.0.0.1:50053', podName: 'pod-a' },
      { id: '10.0.0.3', url: 'http://10.0.0.3:9555', sidecarAddress: '10.0.0.3:50053', podName: '' },
      { id: 'fd00::4', url: 'http://[fd00::4]:9223', sidecarAddress: '[fd00::4]:50053', podName: '' },
    ]);
  });
});
