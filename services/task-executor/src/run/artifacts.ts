/**
 * Artifacts and error snapshots. An artifact is announced with its content
 * inline on the action's bus event and referenced (id, name, size, SHA-256)
 * everywhere else. An error snapshot captures URL, title and a viewport
 * screenshot of the page right after an action failed.
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import type { Page } from 'puppeteer-core';
import { newEventId } from '@nightglow/bus';
import {
  ArtifactKind,
  ArtifactRefSchema,
  ErrorSnapshotSchema,
  PageInfoSchema,
  type ArtifactRef,
  type ErrorSnapshot,
  type PageInfo,
} from '@nightglow/contracts/common/v1';
import type { Clock } from '@nightglow/runtime';
import type { ArtifactSink } from '../actions/action-context.js';
import { timestampOf } from '../spec/durations.js';

/** An artifact sink that also lists what it collected (with data). */
export type CollectingSink = ArtifactSink & { readonly items: ArtifactRef[] };

/** Creates a sink building ArtifactRefs (UUIDv7 id, SHA-256, size, time) with inline data. */
export function createArtifactSink(clock: Clock): CollectingSink {
  const items: ArtifactRef[] = [];
  return {
    items,
    add({ name, contentType, data }) {
      const ref = create(ArtifactRefSchema, {
        id: newEventId(),
        kind: contentType.startsWith('image/') ? ArtifactKind.SCREENSHOT : ArtifactKind.OTHER,
        contentType,
        sizeBytes: BigInt(data.byteLength),
        sha256: createHash('sha256').update(data).digest('hex'),
        name,
        createTime: timestampOf(clock.now()),
        data,
      });
      items.push(ref);
      return ref;
    },
  };
}

/** Resolves `p`, or `fallback` after `ms` (for best-effort page reads on a possibly stuck page). */
export async function within<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((resolve) => (timer = setTimeout(() => resolve(fallback), ms)));
  try {
    return await Promise.race([p.catch(() => fallback), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * URL and title of the page; the title best effort within 1 s. (The target
 * info's title would save the round trip but lags a navigation: measured.)
 */
export async function pageInfo(page: Page): Promise<PageInfo> {
  const title = await within(page.title(), 1000, '');
  return create(PageInfoSchema, { url: page.url(), title });
}

/** Captures URL, title and a viewport screenshot (added to `sink` as `<action>-error.png`); best effort. */
export async function captureErrorSnapshot(
  page: Page,
  sink: ArtifactSink,
  at: { readonly actionName: string; readonly actionIndex: number; readonly message: string; readonly clock: Clock },
): Promise<ErrorSnapshot> {
  const info = await pageInfo(page);
  const shot = await within(
    page.screenshot({ type: 'png' }).then((b): Uint8Array | undefined => b),
    2000,
    undefined,
  );
  const screenshot = shot && sink.add({ name: `${at.actionName}-error.png`, contentType: 'image/png', data: shot });
  return create(ErrorSnapshotSchema, {
    page: info,
    ...(screenshot ? { screenshot } : {}),
    errorMessage: at.message,
    actionIndex: at.actionIndex,
    time: timestampOf(at.clock.now()),
  });
}
