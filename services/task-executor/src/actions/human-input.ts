/**
 * Human-like input: the mouse travels along an eased cubic Bézier curve with
 * randomized control points instead of jumping, and keys are typed with a
 * normally distributed delay. Every move and key press is counted so the
 * action can report path length and cadence (`BehaviorStats`).
 */
import type { Page } from 'puppeteer-core';
import { create } from '@bufbuild/protobuf';
import { BehaviorStatsSchema, type BehaviorStats } from '@nightglow/contracts/common/v1';

/** A source of uniform random numbers in [0, 1); injectable for tests. */
export type Rng = () => number;

/** A 2-D point in CSS pixels. */
export type Point = { readonly x: number; readonly y: number };

/** Human-input settings of a task, defaults applied. */
export type HumanSettings = { readonly typingMeanMs: number; readonly typingStddevMs: number; readonly rng: Rng };

/** Collects what one action did with the mouse and keyboard. */
export type BehaviorRecorder = {
  mouseTo(page: Page, to: Point, settings: HumanSettings): Promise<void>;
  key(atMs: number): void;
  stats(): BehaviorStats;
};

const lastPosition = new WeakMap<Page, Point>();

/** A point on a cubic Bézier curve at t ∈ [0, 1]. */
export function bezier(p0: Point, p1: Point, p2: Point, p3: Point, t: number): Point {
  const u = 1 - t;
  const a = u * u * u;
  const b = 3 * u * u * t;
  const c = 3 * u * t * t;
  const d = t * t * t;
  return { x: a * p0.x + b * p1.x + c * p2.x + d * p3.x, y: a * p0.y + b * p1.y + c * p2.y + d * p3.y };
}

/** The points of a curved, eased path from `from` to `to` (the last one is `to`). */
export function curvedPath(from: Point, to: Point, rng: Rng): Point[] {
  const dist = Math.hypot(to.x - from.x, to.y - from.y);
  const steps = Math.max(8, Math.min(60, Math.round(dist / 12)));
  const bend = (): number => (rng() - 0.5) * Math.max(40, dist * 0.5);
  const c1 = { x: from.x + (to.x - from.x) * 0.3 + bend(), y: from.y + (to.y - from.y) * 0.3 + bend() };
  const c2 = { x: from.x + (to.x - from.x) * 0.7 + bend(), y: from.y + (to.y - from.y) * 0.7 + bend() };
  const out: Point[] = [];
  for (let i = 1; i <= steps; i++) {
    const lin = i / steps;
    const eased = lin < 0.5 ? 2 * lin * lin : 1 - (-2 * lin + 2) ** 2 / 2;
    out.push(i === steps ? to : bezier(from, c1, c2, to, eased));
  }
  return out;
}

/** A per-key delay from N(mean, stddev), clipped to [10 ms, 4 × mean]. */
export function typingDelay(s: HumanSettings): number {
  const u = Math.max(1e-9, s.rng());
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * s.rng());
  return Math.min(Math.max(10, s.typingMeanMs + z * s.typingStddevMs), Math.max(10, 4 * s.typingMeanMs));
}

function meanStd(xs: readonly number[]): { mean: number; std: number } {
  if (xs.length === 0) return { mean: 0, std: 0 };
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, std: Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length) };
}

/** A fresh {@link BehaviorRecorder}. */
export function createBehaviorRecorder(): BehaviorRecorder {
  let pathPx = 0;
  let moves = 0;
  const keyTimes: number[] = [];
  return {
    async mouseTo(page, to, settings) {
      let at = lastPosition.get(page) ?? { x: 0, y: 0 };
      for (const p of curvedPath(at, to, settings.rng)) {
        await page.mouse.move(p.x, p.y);
        pathPx += Math.hypot(p.x - at.x, p.y - at.y);
        moves++;
        at = p;
      }
      lastPosition.set(page, at);
    },
    key: (atMs) => void keyTimes.push(atMs),
    stats() {
      const intervals = keyTimes.slice(1).map((t, i) => t - (keyTimes[i] ?? t));
      const { mean, std } = meanStd(intervals);
      return create(BehaviorStatsSchema, {
        mousePathLengthPx: Math.round(pathPx * 10) / 10,
        mouseMoveCount: moves,
        keystrokeCount: keyTimes.length,
        typingIntervalMeanMs: Math.round(mean * 10) / 10,
        typingIntervalStddevMs: Math.round(std * 10) / 10,
      });
    },
  };
}
