/**
 * Session tokens. A token is `base64url(HMAC-SHA256(secret, "nightglow-session:" + id))`:
 * the broker stores no token at all, only the secret it needs to verify one
 * (`TOKEN_SECRET`, or one shared through the state store), so every replica can
 * check a token and a retried CreateSession (same `request_id`) gets the same
 * token back. Verification compares in constant time.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Issues and verifies session tokens with one secret. */
export type TokenAuthority = {
  /** The token of session `sessionId`. */
  issue(sessionId: string): string;
  /** Whether `presented` is the token of `sessionId`; constant time whatever its length. */
  verify(sessionId: string, presented: string): boolean;
};

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Creates a {@link TokenAuthority} over `secret` (at least 16 bytes). */
export function createTokenAuthority(secret: Uint8Array): TokenAuthority {
  if (secret.byteLength < 16) throw new Error('token secret must be at least 16 bytes');
  const issue = (sessionId: string): string =>
    createHmac('sha256', secret).update(`nightglow-session:${sessionId}`).digest('base64url');
  return {
    issue,
    // Hashing both sides first gives equal lengths, so timingSafeEqual never leaks the length.
    verify: (sessionId, presented) => timingSafeEqual(digest(issue(sessionId)), digest(presented)),
  };
}
