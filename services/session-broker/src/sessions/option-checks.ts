/**
 * Checks of single session option values, shared by request validation
 * (`options.ts`) and pool-file validation (`pools/pool-file.ts`). Each returns
 * a description of what is wrong, or undefined when the value is fine.
 */

/** An absolute http(s) URL. */
export function checkStartUrl(url: string): string | undefined {
  if (url === '') return undefined;
  try {
    const u = new URL(url);
    if (u.protocol === 'http:' || u.protocol === 'https:') return undefined;
    return `must be an absolute http(s) URL, got scheme ${u.protocol}`;
  } catch {
    return 'must be an absolute http(s) URL';
  }
}

/** A proxy URL: http, https, socks4 or socks5, with a host. */
export function checkProxyServer(proxy: string): string | undefined {
  if (proxy === '') return undefined;
  try {
    const u = new URL(proxy);
    if (!['http:', 'https:', 'socks4:', 'socks5:'].includes(u.protocol) || u.hostname === '') {
      return 'must be a proxy URL such as http://proxy:3128 or socks5://proxy:1080';
    }
    return undefined;
  } catch {
    return 'must be a proxy URL such as http://proxy:3128 or socks5://proxy:1080';
  }
}

const LOCALE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;

/** A BCP 47 locale such as `en-US`. */
export function checkLocale(locale: string): string | undefined {
  if (locale === '') return undefined;
  if (!LOCALE.test(locale)) return 'must be a BCP 47 locale such as en-US';
  try {
    Intl.getCanonicalLocales(locale);
    return undefined;
  } catch {
    return 'must be a BCP 47 locale such as en-US';
  }
}

/** An IANA time zone such as `Europe/Berlin`. */
export function checkTimezone(tz: string): string | undefined {
  if (tz === '') return undefined;
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return undefined;
  } catch {
    return 'must be an IANA time zone such as Europe/Berlin';
  }
}

/** A user agent: at most 1024 printable characters. */
export function checkUserAgent(ua: string): string | undefined {
  if (ua.length > 1024) return 'must be at most 1024 characters';
  if (/[\r\n\0]/.test(ua)) return 'must not contain line breaks or NUL';
  return undefined;
}

/** A viewport dimension in CSS pixels, 1..16384. */
export function checkDimension(n: number): string | undefined {
  return Number.isInteger(n) && n >= 1 && n <= 16384 ? undefined : `must be 1..16384, got ${n}`;
}

/** A device scale factor, 0 (= 1) .. 10. */
export function checkScaleFactor(n: number): string | undefined {
  return Number.isFinite(n) && n >= 0 && n <= 10 ? undefined : `must be 0..10, got ${n}`;
}
