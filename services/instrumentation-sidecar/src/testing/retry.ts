/**
 * Test helper: retries a step that can fail transiently against a fresh
 * Kafka broker. Seen here: the first consumer-group join on a just-started
 * broker can crash with `KafkaJSGroupCoordinatorNotFound` while
 * `__consumer_offsets` is being created; the next attempt joins in well under a
 * second. (Reported to the bus owner; the sidecar's own start-up retries the
 * same way.) Not part of the service's surface.
 */

/** Runs `step` up to `attempts` times, 500 ms apart; rethrows the last failure. */
export async function retrying<T>(step: () => Promise<T>, attempts = 4): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await step();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}
