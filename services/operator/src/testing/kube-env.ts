/**
 * Test helpers for integration tests against the test environment's real
 * kube-apiserver: a {@link KubeApi} on its kubeconfig, a fresh namespace per
 * test file, the CRDs installed once, and a poll-until helper that watches
 * a condition instead of sleeping a fixed time.
 */
import { randomBytes } from 'node:crypto';
import { KubeConfig } from '@kubernetes/client-node';
import { systemClock } from '@nightglow/runtime';
import { useTestEnv } from '@nightglow/testenv';
import { installCrds, loadCrds } from '../kube/crds.js';
import { createHttpKubeApi } from '../kube/http-kube-api.js';
import type { KubeApi } from '../kube/kube-api.js';
import { eventually as poll } from '@nightglow/runtime/testing';

/** A connected API plus the kubeconfig it came from. */
export type KubeTestContext = { readonly api: KubeApi; readonly kc: KubeConfig; readonly kubeconfigPath: string };

/** Connects to the test environment's apiserver. */
export function connectTestKube(): KubeTestContext {
  const { kube } = useTestEnv();
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);
  return { api: createHttpKubeApi(kc), kc, kubeconfigPath: kube.kubeconfigPath };
}

/** Installs the operator's CRDs and waits until they are Established. */
export async function installTestCrds(api: KubeApi): Promise<void> {
  await installCrds(api, await loadCrds(), systemClock);
}

/** Creates a namespace with a random suffix and returns its name. */
export async function createTestNamespace(api: KubeApi, prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  await api.create(
    { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false },
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name } },
  );
  return name;
}

/** Polls `probe` until it returns a value other than undefined (the runtime's `eventually`, probe first). */
export function eventually<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  return poll(what, probe, { timeoutMs });
}
