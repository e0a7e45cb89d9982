/**
 * The composite instrument's evidence when an action fails: the page's URL and
 * title (read in an isolated world), a viewport screenshot
 * (`Page.captureScreenshot`, carried inline), and the requests that failed in
 * the last 30 s. A part that cannot be captured (tab crashed, timeout) is left
 * out; the rest is still reported.
 */
import { createHash } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { evaluateIsolated } from '@nightglow/cdp';
import { newEventId } from '@nightglow/bus';
import { ArtifactKind, ErrorSnapshotSchema, type ErrorSnapshot } from '@nightglow/contracts/common/v1';
import type { MarkPhaseRequest } from '@nightglow/contracts/instrumentation/v1';
import type { PageState } from './page-state.js';

/** Options of {@link captureErrorSnapshot}. */
export type SnapshotOptions = { readonly timeoutMs: number; readonly now: () => number };

async function screenshot(page: PageState, timeoutMs: number): Promise<Uint8Array | undefined> {
  try {
    const { data } = await page.session.send('Page.captureScreenshot', { format: 'png' }, { timeoutMs });
    return Buffer.from(data, 'base64');
  } catch {
    return undefined;
  }
}

async function title(page: PageState, timeoutMs: number): Promise<string> {
  try {
    return await evaluateIsolated<string>(page.session, 'document.title', { timeoutMs, frameId: page.mainFrameId });
  } catch {
    return page.title;
  }
}

/** Captures the snapshot of `page` for the failed action of `mark`. */
export async function captureErrorSnapshot(
  page: PageState,
  mark: MarkPhaseRequest,
  opts: SnapshotOptions,
): Promise<ErrorSnapshot> {
  const [png, pageTitle] = await Promise.all([screenshot(page, opts.timeoutMs), title(page, opts.timeoutMs)]);
  const nowMs = opts.now();
  const horizon = nowMs - 30_000;
  const failures = page.recentFailures.filter((f) => f.timeMs >= horizon).slice(-20);
  const name = `${mark.actionName || `action-${mark.actionIndex}`}-error.png`;
  return create(ErrorSnapshotSchema, {
    page: { url: page.url, title: pageTitle },
    ...(png === undefined
      ? {}
      : {
          screenshot: {
            id: newEventId(),
            kind: ArtifactKind.SCREENSHOT,
            contentType: 'image/png',
            sizeBytes: BigInt(png.byteLength),
            sha256: createHash('sha256').update(png).digest('hex'),
            name,
            createTime: timestampFromMs(nowMs),
            data: png,
          },
        }),
    errorMessage: mark.error,
    recentFailedRequests: failures.map((f) => ({
      url: f.url,
      method: f.method,
      statusCode: f.statusCode,
      errorText: f.errorText,
      resourceType: f.resourceType,
      time: timestampFromMs(f.timeMs),
    })),
    actionIndex: mark.actionIndex,
    time: timestampFromMs(nowMs),
  });
}
