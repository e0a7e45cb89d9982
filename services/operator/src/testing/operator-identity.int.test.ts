/**
 * The identity the operator's integration tests run under is the chart's
 * operator ServiceAccount: the apiserver knows the token as that account,
 * lets it do what the operator's rules say, and refuses anything else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@nightglow/runtime';
import { hasCode } from '../errors.js';
import { installCrds, loadCrds } from '../kube/crds.js';
import type { KubeObject } from '../kube/kube-api.js';
import { RESOURCES } from '../kube/resources.js';
import { connectTestKube, createTestNamespace, installTestCrds } from './kube-env.js';
import { createOperatorIdentity, type OperatorIdentity } from './operator-identity.js';

const admin = connectTestKube();
let ns = '';
let op: OperatorIdentity;

const refusal = async (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => new Error('the call was allowed'),
    (e: unknown) => e,
  );

describe("the operator's test identity: the chart's operator ServiceAccount", () => {
  beforeAll(async () => {
    await installTestCrds(admin.api);
    ns = await createTestNamespace(admin.api, 'identity');
    op = await createOperatorIdentity(admin, ns);
  });
  afterAll(async () => {
    await op?.cleanup();
  });

  it('is that ServiceAccount, not an admin', async () => {
    const review = (await op.api.create(
      {
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'SelfSubjectReview',
        plural: 'selfsubjectreviews',
        namespaced: false,
      },
      { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview', metadata: {} },
    )) as KubeObject & { status?: { userInfo?: { username?: string; groups?: string[] } } };
    expect(review.status?.userInfo?.username).toBe(op.username);
    expect(review.status?.userInfo?.groups).not.toContain('system:masters');
  });

  it('may use what the operator needs and is forbidden anything outside its rules', async () => {
    expect((await op.api.list(RESOURCES.browserPool, { namespace: 'default' })).items).toBeInstanceOf(Array);
    expect((await op.api.list(RESOURCES.deployment, { namespace: ns })).items).toBeInstanceOf(Array);
    const configMaps = {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      plural: 'configmaps',
      namespaced: true,
    } as const;
    const e1 = await refusal(op.api.list(configMaps, { namespace: ns }));
    expect(hasCode(e1, 'FORBIDDEN'), String(e1)).toBe(true);
    expect(String(e1)).toContain(op.username);
    const e2 = await refusal(
      op.api.create(RESOURCES.pod, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'not-mine', namespace: ns },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      }),
    );
    expect(hasCode(e2, 'FORBIDDEN'), String(e2)).toBe(true);
    // CRDs are the chart's job: the operator's --install-crds needs an identity beyond these rules.
    const e3 = await refusal(installCrds(op.api, await loadCrds(), systemClock));
    expect(hasCode(e3, 'FORBIDDEN'), String(e3)).toBe(true);
  });
});
