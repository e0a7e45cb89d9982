/**
 * The V8 flags the record store runs with: its image sets them as
 * `NODE_OPTIONS`, and the all-in-one platform and the benchmark start the
 * store with them too.
 *
 * A 32 MiB young-generation semi-space (Node 20's default is 16 MiB on 64-bit).
 * Ingest allocates short-lived objects for every event (decoded envelopes,
 * column arrays, result rows); with the default, scavenges took about a
 * quarter of the store's CPU. Side by side on this project's 2-core test machine
 * (`npm run bench -- record-store`): 24,400–25,200 events/s with the default,
 * 29,400–31,400 with 32 MiB (64 MiB gave no more, and a longer WatchEvents lag).
 * It costs up to 48 MiB more resident memory under load (three semi-spaces).
 */
export const RECORD_STORE_NODE_OPTIONS = '--max-semi-space-size=32';
