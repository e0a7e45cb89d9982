/**
 * Service credentials of trusted callers (`TRUSTED_CALLER_KEYS`): the
 * services, such as the task executor, allowed to ask for the token of a
 * session they did not create (IssueSessionToken). A caller presents its key
 * in the `x-nightglow-caller-key` request metadata. Keys are compared in
 * constant time: both sides are hashed first (equal lengths), and every
 * configured key is compared, so neither a key's length nor its position in
 * the list shows in the timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Code, ConnectError } from '@connectrpc/connect';

/** The request metadata carrying a caller's service credential. */
export const CALLER_KEY_HEADER = 'x-nightglow-caller-key';

/** Checks the credential of a call to a trusted-caller RPC. */
export type TrustedCallers = {
  /**
   * Throws UNAUTHENTICATED when `headers` carry no key, PERMISSION_DENIED when
   * the key is not trusted (or no key is configured); returns otherwise.
   */
  authorize(headers: Headers, rpc: string): void;
};

const digest = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/** Creates the checker over `keys` (each at least 16 characters; empty: every call is refused). */
export function createTrustedCallers(keys: readonly string[]): TrustedCallers {
  const trusted = keys.map(digest);
  return {
    authorize(headers, rpc) {
      const presented = headers.get(CALLER_KEY_HEADER)?.trim() ?? '';
      if (presented === '') {
        throw new ConnectError(
          `${rpc} needs a service credential in the ${CALLER_KEY_HEADER} metadata`,
          Code.Unauthenticated,
        );
      }
      const p = digest(presented);
      let ok = false;
      for (const k of trusted) ok = timingSafeEqual(k, p) || ok;
      if (!ok) {
        throw new ConnectError(
          trusted.length === 0
            ? `${rpc} is not available: the broker trusts no caller (TRUSTED_CALLER_KEYS is unset)`
            : `${rpc}: the presented caller key is not trusted`,
          Code.PermissionDenied,
        );
      }
    },
  };
}
