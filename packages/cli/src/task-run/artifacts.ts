/**
 * After a task: fetch its artifacts from the record store (GetArtifact; the
 * store has them once it ingested the action events) into local files, and
 * wait for the record store to seal the task's record. Both are bounded by
 * one deadline; NOT_FOUND means "not yet" and is retried until then.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { Code, type Client } from '@connectrpc/connect';
import type { ArtifactRef } from '@nightglow/contracts/common/v1';
import { TaskRecordView, type RecordStore } from '@nightglow/contracts/records/v1';
import { rpcCode } from '../errors.js';

/** An artifact written to disk. */
export type SavedArtifact = {
  readonly id: string;
  readonly name: string;
  readonly path: string;
  readonly sizeBytes: number;
  readonly sha256: string;
};

/** Waiting policy: until `deadline` (epoch ms), polling every `intervalMs`. */
export type Waiting = {
  readonly deadline: number;
  readonly now: () => number;
  readonly intervalMs?: number;
  readonly signal: AbortSignal;
};

const EXT: Readonly<Record<string, string>> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'text/html': '.html',
  'application/json': '.json',
};

/** A safe, unique file name for an artifact: its name's last path segment, else `<id><ext>`. */
export function artifactFileName(
  ref: Pick<ArtifactRef, 'id' | 'name' | 'contentType'>,
  taken: ReadonlySet<string>,
): string {
  const cleaned = basename(ref.name.replace(/\\/g, '/'))
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^\.+/, '');
  const ext = EXT[ref.contentType.split(';')[0]?.trim() ?? ''] ?? '';
  const name = cleaned !== '' ? cleaned : `${ref.id}${ext}`;
  if (!taken.has(name)) return name;
  const e = extname(name);
  return `${name.slice(0, name.length - e.length)}-${ref.id}${e}`;
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Calls `fn` until it resolves, retrying NOT_FOUND until the deadline (then resolves undefined). */
export async function untilFound<T>(fn: () => Promise<T>, w: Waiting): Promise<T | undefined> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (rpcCode(e) !== Code.NotFound) throw e;
    }
    const left = w.deadline - w.now();
    if (left <= 0 || w.signal.aborted) return undefined;
    await pause(Math.min(w.intervalMs ?? 250, left), w.signal);
  }
}

/** Result of {@link saveArtifacts}: what was saved and which artifacts never arrived. */
export type SaveResult = { readonly saved: SavedArtifact[]; readonly missing: ArtifactRef[] };

/** Fetches every artifact into `dir` (created), checking each SHA-256 against the reference. */
export async function saveArtifacts(
  records: Client<typeof RecordStore>,
  refs: readonly ArtifactRef[],
  dir: string,
  w: Waiting,
): Promise<SaveResult> {
  const saved: SavedArtifact[] = [];
  const missing: ArtifactRef[] = [];
  const taken = new Set<string>();
  for (const ref of refs) {
    const res = await untilFound(() => records.getArtifact({ artifactId: ref.id }, { signal: w.signal }), w);
    if (!res) {
      missing.push(ref);
      continue;
    }
    const sha256 = createHash('sha256').update(res.data).digest('hex');
    if (ref.sha256 !== '' && sha256 !== ref.sha256)
      throw new Error(`artifact ${ref.name || ref.id}: content does not match its SHA-256 (${ref.sha256})`);
    const name = artifactFileName(ref, taken);
    taken.add(name);
    await mkdir(dir, { recursive: true });
    const path = join(dir, name);
    await writeFile(path, res.data);
    saved.push({ id: ref.id, name: ref.name, path, sizeBytes: res.data.byteLength, sha256 });
  }
  return { saved, missing };
}

/** The id of the task's sealed record, or undefined if it was not sealed by the deadline. */
export async function waitForRecord(
  records: Client<typeof RecordStore>,
  taskId: string,
  w: Waiting,
): Promise<string | undefined> {
  const res = await untilFound(
    () =>
      records.getTaskRecord(
        { key: { case: 'taskId', value: taskId }, view: TaskRecordView.BASIC },
        { signal: w.signal },
      ),
    w,
  );
  return res?.taskRecord?.id;
}
