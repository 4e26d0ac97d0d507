// The fetch used for customers' notification URLs: it refuses private addresses (private-addresses.ts)
// both when the URL names one and after DNS. The check runs inside the connection's own lookup,
// so the address checked is the address connected to (no window for DNS rebinding).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, fetch as undiciFetch } from 'undici';
import { isPrivateAddress, PrivateAddressError } from './private-addresses.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

type Resolve = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect that fails when any address the name resolves to is private (one
 * public record beside a private one does not make a name safe). `resolve` is the system's DNS.
 */
export const publicOnlyLookup =
  (resolve: Resolve = dnsLookup) =>
  (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const inside = addresses.find((entry) => isPrivateAddress(entry.address));
      if (inside)
        return callback(
          new PrivateAddressError(`${hostname} resolves to ${inside.address}, an address inside the network`),
          [],
        );
      if (options.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };

let publicOnlyAgent: Agent | undefined;

/** fetch for notification URLs; with `allowPrivate` (LFK_ALLOW_PRIVATE_URLS=1) the plain global fetch. */
export function notificationFetch(options: { allowPrivate?: boolean } = {}): typeof fetch {
  if (options.allowPrivate) return fetch;
  publicOnlyAgent ??= new Agent({ connect: { lookup: publicOnlyLookup() } });
  const dispatcher = publicOnlyAgent;
  return (async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    // A literal IP never reaches `lookup`: net.connect uses it as it is. Names (`localhost` too) are
    // checked by `lookup`, on the addresses the connection then uses.
    const host = new URL(url).hostname;
    if (isPrivateAddress(host))
      throw new TypeError('fetch failed', {
        cause: new PrivateAddressError(`${host} is an address inside the network`),
      });
    return undiciFetch(url, { ...(init as object), dispatcher } as Parameters<typeof undiciFetch>[1]);
  }) as unknown as typeof fetch;
}
