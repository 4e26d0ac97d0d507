// What one per-address budget counts. An IPv6 client normally holds a whole /64 (SLAAC, privacy
// addresses, a /64 routed to one host), so counting its addresses one by one would give it 2^64
// budgets: IPv6 is counted by its /64. IPv4 is counted by its whole address, and IPv4-mapped IPv6
// (`::ffff:1.2.3.4`, what a dual-stack socket reports for an IPv4 client) as that IPv4 address.
// Every per-address limit goes through here: RateLimiter (rate-limit.ts) and the sign-in throttle.
import ipaddr from 'ipaddr.js';

/** Longer than any address with a port and a zone id: not parsed (and no regular expression runs on it). */
const MAX_ADDRESS_LENGTH = 100;

/**
 * The budget `ip` counts against: `2001:db8:1:2::/64` for any address of that /64 (with `%zone`
 * for a link-local one, whose /64 is per link), `1.2.3.4` for IPv4 and `::ffff:1.2.3.4`. Anything
 * that is not an address (`unknown`, an empty string, garbage) is its own bucket, as it is.
 */
export function addressBucket(ip: string): string {
  if (ip.length === 0 || ip.length > MAX_ADDRESS_LENGTH) return ip;
  const address = withoutPort(ip);
  try {
    // Four decimal parts only: a socket or a proxy never writes `127.1` or `0x7f.0.0.1`.
    if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address).toString();
    if (!ipaddr.IPv6.isValid(address)) return ip;
    const v6 = ipaddr.IPv6.parse(address);
    if (v6.isIPv4MappedAddress()) return v6.toIPv4Address().toString();
    const network = new ipaddr.IPv6([...v6.parts.slice(0, 4), 0, 0, 0, 0]).toString();
    return v6.zoneId ? `${network}/64%${v6.zoneId}` : `${network}/64`;
  } catch {
    return ip;
  }
}

/** `[v6]`, `[v6]:port` and `v4:port` (some proxies write the client's port into X-Forwarded-For) without the port. */
function withoutPort(ip: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(ip);
  if (bracketed) return bracketed[1]!;
  const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(ip);
  return withPort ? withPort[1]! : ip;
}
