import {
  ApiException,
  ApiextensionsV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  loadYaml,
  PatchStrategy,
  VersionApi,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { useTestEnv } from './context.js';

const group = 'it.nightglow.dev';
const plural = 'browserpools';

// A manifest as a user would keep it. It goes through loadYaml, which maps it onto
// the typed model: a plain object with `enum` would silently lose that keyword in
// client-node's serializer (the model calls it `_enum`).
const CRD_MANIFEST = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.${group}
spec:
  group: ${group}
  scope: Namespaced
  names: { plural: ${plural}, singular: browserpool, kind: BrowserPool, shortNames: [bp] }
  versions:
    - name: v1alpha1
      served: true
      storage: true
      subresources: { status: {} }
      additionalPrinterColumns:
        - { name: Replicas, type: integer, jsonPath: .spec.replicas }
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [replicas]
              properties:
                replicas: { type: integer, minimum: 0, maximum: 100 }
                browser: { type: string, enum: [chromium] }
            status:
              type: object
              properties:
                readyReplicas: { type: integer }
`;

async function waitEstablished(api: ApiextensionsV1Api, name: string): Promise<boolean> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const current = await api.readCustomResourceDefinition({ name });
    if (current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

/** The error a create is refused with, or undefined if it was stored. */
async function refusal(create: () => Promise<unknown>): Promise<ApiException<string> | undefined> {
  try {
    await create();
    return undefined;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<string>;
    throw error;
  }
}

describe('kube-apiserver (real apiserver + etcd from the test environment)', () => {
  const { kube } = useTestEnv();
  const kc = new KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath);

  it('serves the version it was built as, over TLS checked against the kubeconfig CA', async () => {
    expect(kube.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const version = await kc.makeApiClient(VersionApi).getCode();
    expect(version.gitVersion).toBe('v1.33.13');
  });

  it('applies a CRD, stores an object of it, and refuses objects that break the schema', async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    await objects.patch(
      loadYaml<KubernetesObject>(CRD_MANIFEST),
      undefined,
      undefined,
      'nightglow-it',
      true,
      PatchStrategy.ServerSideApply,
    );
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    expect(await waitEstablished(extensions, `${plural}.${group}`)).toBe(true);
    const stored = await extensions.readCustomResourceDefinition({ name: `${plural}.${group}` });
    expect(stored.spec.names.shortNames).toEqual(['bp']);
    expect(stored.spec.versions[0]?.additionalPrinterColumns?.[0]?.name).toBe('Replicas');
    expect(stored.spec.versions[0]?.subresources?.status).toEqual({});

    const custom = kc.makeApiClient(CustomObjectsApi);
    const ref = { group, version: 'v1alpha1', namespace: 'default', plural };
    const pool = (name: string, spec: Record<string, unknown>): object => ({
      apiVersion: `${group}/v1alpha1`,
      kind: 'BrowserPool',
      metadata: { name },
      spec,
    });
    await custom.createNamespacedCustomObject({ ...ref, body: pool('pool-a', { replicas: 3, browser: 'chromium' }) });
    const read = (await custom.getNamespacedCustomObject({ ...ref, name: 'pool-a' })) as {
      spec: { replicas: number };
      metadata: { uid?: string };
    };
    expect(read.spec.replicas).toBe(3);
    expect(read.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);

    const tooMany = await refusal(() =>
      custom.createNamespacedCustomObject({ ...ref, body: pool('pool-big', { replicas: 1000 }) }),
    );
    expect(tooMany?.code).toBe(422);
    expect(String(tooMany?.body)).toContain('spec.replicas');
    const wrongBrowser = await refusal(() =>
      custom.createNamespacedCustomObject({ ...ref, body: pool('pool-ff', { replicas: 1, browser: 'firefox' }) }),
    );
    expect(wrongBrowser?.code).toBe(422);
    expect(String(wrongBrowser?.body)).toContain('spec.browser');
  });
});
