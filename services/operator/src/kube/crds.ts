/**
 * The operator's CustomResourceDefinitions: read from `services/operator/crds`
 * (the same files the Helm chart ships), applied with server-side apply and
 * awaited until Established. Parsed with `yaml` into plain JSON so every
 * schema keyword (`enum`, `x-kubernetes-validations`) reaches the apiserver.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import type { Clock } from '@nightglow/runtime';
import { OperatorError } from '../errors.js';
import type { KubeApi, KubeObject } from './kube-api.js';
import { RESOURCES } from './resources.js';

/** The folder holding one CRD manifest per kind (works from `src/` and `dist/`). */
export const CRD_DIRECTORY = fileURLToPath(new URL('../../crds/', import.meta.url));

/** Reads every `*.yaml` CRD in `dir` (default {@link CRD_DIRECTORY}), sorted by file name. */
export async function loadCrds(dir: string = CRD_DIRECTORY): Promise<KubeObject[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.yaml')).sort();
  return Promise.all(files.map(async (f) => parse(await readFile(`${dir}/${f}`, 'utf8')) as KubeObject));
}

type CrdStatus = { status?: { conditions?: { type: string; status: string }[] } };

/** Applies `crds` (server-side apply) and resolves once all are Established, or throws after `timeoutMs`. */
export async function installCrds(
  api: KubeApi,
  crds: readonly KubeObject[],
  clock: Clock,
  timeoutMs = 30_000,
): Promise<void> {
  for (const crd of crds) {
    await api.patch(RESOURCES.crd, { name: crd.metadata.name ?? '' }, crd, { type: 'apply' });
  }
  const deadline = clock.now() + timeoutMs;
  for (const crd of crds) {
    for (;;) {
      const current = (await api.get(RESOURCES.crd, { name: crd.metadata.name ?? '' })) as
        (KubeObject & CrdStatus) | undefined;
      if (current?.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (clock.now() > deadline) {
        throw new OperatorError('UNAVAILABLE', `CRD ${crd.metadata.name} not Established within ${timeoutMs} ms`);
      }
      await clock.sleep(50);
    }
  }
}
