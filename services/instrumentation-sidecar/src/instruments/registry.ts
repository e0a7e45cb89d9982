/**
 * The instrument registry: the instruments of one sidecar, built from
 * blueprints, with their runtime counters. Every change is validated first and
 * applied whole or not at all, so a bad blueprint leaves the running
 * instruments untouched. Listeners hear every change (the sampler reschedules).
 */
import { create } from '@bufbuild/protobuf';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import {
  InstrumentSchema,
  InstrumentStatus,
  type Blueprint,
  type Instrument,
  type InstrumentKind,
} from '@nightglow/contracts/instrumentation/v1';
import { normalizeBlueprint } from '../blueprints/builtins.js';
import { blueprintProblems } from '../blueprints/validate.js';
import { SidecarError } from '../errors.js';

/** One running instrument: its blueprint and counters. */
export type InstrumentEntry = {
  readonly blueprint: Blueprint;
  readonly builtin: boolean;
  enabled: boolean;
  status: InstrumentStatus;
  statusMessage: string;
  samples: number;
  skipped: number;
  errors: number;
  alerts: number;
  targets: number;
  lastValue: number | undefined;
  lastSampleMs: number | undefined;
  updateMs: number;
};

/** What changed, for listeners. */
export type RegistryChange = { readonly kind: 'upsert' | 'remove' | 'toggle'; readonly name: string };

/** The registry; see the module comment. */
export type InstrumentRegistry = {
  list(filter?: { kinds?: readonly InstrumentKind[]; enabled?: boolean }): Instrument[];
  get(name: string): Instrument;
  /** The live entry of an enabled or disabled instrument, or undefined. */
  entry(name: string): InstrumentEntry | undefined;
  entries(): InstrumentEntry[];
  /** Validates and applies; throws INVALID_ARGUMENT naming the field. `validateOnly` applies nothing. */
  upsert(
    bp: Blueprint,
    opts?: { builtin?: boolean; validateOnly?: boolean },
  ): { instrument: Instrument; created: boolean };
  setEnabled(name: string, enabled: boolean): Instrument;
  remove(name: string): void;
  /** Replaces every instrument by `builtins` plus `fromFile` (same name: the file wins); already validated. */
  replaceAll(builtins: readonly Blueprint[], fromFile: readonly Blueprint[]): void;
  onChange(listener: (change: RegistryChange) => void): () => void;
};

function toProto(e: InstrumentEntry): Instrument {
  const status = e.enabled
    ? e.status === InstrumentStatus.ERROR
      ? e.status
      : InstrumentStatus.ACTIVE
    : InstrumentStatus.DISABLED;
  return create(InstrumentSchema, {
    blueprint: { ...e.blueprint, enabled: e.enabled },
    status,
    statusMessage: status === InstrumentStatus.ERROR ? e.statusMessage : '',
    builtin: e.builtin,
    sampleCount: BigInt(e.samples),
    skippedCount: BigInt(e.skipped),
    errorCount: BigInt(e.errors),
    alertCount: BigInt(e.alerts),
    targetCount: e.targets,
    ...(e.lastValue === undefined ? {} : { lastValue: e.lastValue }),
    ...(e.lastSampleMs === undefined ? {} : { lastSampleTime: timestampFromMs(e.lastSampleMs) }),
    updateTime: timestampFromMs(e.updateMs),
  });
}

function newEntry(bp: Blueprint, builtin: boolean, now: number): InstrumentEntry {
  return {
    blueprint: bp,
    builtin,
    enabled: bp.enabled ?? true,
    status: InstrumentStatus.ACTIVE,
    statusMessage: '',
    samples: 0,
    skipped: 0,
    errors: 0,
    alerts: 0,
    targets: 0,
    lastValue: undefined,
    lastSampleMs: undefined,
    updateMs: now,
  };
}

/** Creates an empty registry; `now` stamps update times. */
export function createInstrumentRegistry(now: () => number): InstrumentRegistry {
  const byName = new Map<string, InstrumentEntry>();
  const listeners = new Set<(change: RegistryChange) => void>();
  const emit = (change: RegistryChange): void => listeners.forEach((l) => l(change));
  const must = (name: string): InstrumentEntry => {
    const e = byName.get(name);
    if (e === undefined) throw SidecarError.notFound('instrument', name);
    return e;
  };
  return {
    list(filter = {}) {
      return [...byName.values()]
        .filter((e) => (filter.kinds?.length ? filter.kinds.includes(e.blueprint.kind) : true))
        .filter((e) => (filter.enabled === undefined ? true : e.enabled === filter.enabled))
        .sort((a, b) => (a.blueprint.name < b.blueprint.name ? -1 : 1))
        .map(toProto);
    },
    get: (name) => toProto(must(name)),
    entry: (name) => byName.get(name),
    entries: () => [...byName.values()],
    upsert(raw, opts = {}) {
      const bp = normalizeBlueprint(raw);
      const problems = blueprintProblems(bp, 'blueprint');
      if (problems.length > 0) throw SidecarError.invalid(problems);
      const created = !byName.has(bp.name);
      const entry = newEntry(bp, opts.builtin ?? false, now());
      if (opts.validateOnly === true) return { instrument: toProto(entry), created };
      byName.set(bp.name, entry);
      emit({ kind: 'upsert', name: bp.name });
      return { instrument: toProto(entry), created };
    },
    setEnabled(name, enabled) {
      const e = must(name);
      e.enabled = enabled;
      e.updateMs = now();
      emit({ kind: 'toggle', name });
      return toProto(e);
    },
    remove(name) {
      must(name);
      byName.delete(name);
      emit({ kind: 'remove', name });
    },
    replaceAll(builtins, fromFile) {
      const old = [...byName.keys()];
      byName.clear();
      const fileNames = new Set(fromFile.map((b) => b.name));
      for (const bp of builtins) if (!fileNames.has(bp.name)) byName.set(bp.name, newEntry(bp, true, now()));
      for (const bp of fromFile) byName.set(bp.name, newEntry(normalizeBlueprint(bp), false, now()));
      for (const name of old) if (!byName.has(name)) emit({ kind: 'remove', name });
      for (const name of byName.keys()) emit({ kind: 'upsert', name });
    },
    onChange(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
  };
}
