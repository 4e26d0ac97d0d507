// Which addresses a customer's notification URL may not reach: anything inside the network lfk
// runs in (loopback, RFC 1918, link-local with the cloud metadata service, CGNAT, unique-local
// IPv6, unspecified, multicast), also when written as an IPv6 address that carries an IPv4 one to
// a translator or a tunnel (IPv4-mapped, SIIT, NAT64, 6to4, Teredo). LFK_ALLOW_PRIVATE_URLS=1
// lifts the rule (a receiver on the same network, or tests).
import { BlockList, isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network", 0.0.0.0 unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, 169.254.169.254 cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, 255.255.255.255 broadcast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['::', 96], // IPv4-compatible (deprecated) ::a.b.c.d
  // NAT64 local-use prefix (RFC 8215): not reachable from the internet, and each network picks
  // where in it the IPv4 address goes (RFC 6052 allows six layouts), so none can be decoded for sure.
  ['64:ff9b:1::', 48],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

/** `parts` (eight 16-bit groups) starts with these groups. */
function startsWith(parts: number[], prefix: number[]): boolean {
  return prefix.every((group, index) => parts[index] === group);
}

/** Two 16-bit groups as a dotted IPv4 address. */
function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 255, low >> 8, low & 255].join('.');
}

/**
 * The IPv4 addresses an IPv6 address leads to through a translator or a tunnel: IPv4-mapped
 * `::ffff:a.b.c.d`, SIIT `::ffff:0:a.b.c.d` (RFC 6145), NAT64 `64:ff9b::a.b.c.d` (RFC 6052), 6to4
 * `2002:AABB:CCDD::/48` (RFC 3056), Teredo `2001:0:SERVER:…:~CLIENT` (RFC 4380: both its server and,
 * XOR-ed with ones, its client). IPv4-compatible `::a.b.c.d` is refused whole by the block list.
 */
function embeddedIpv4(parts: number[]): string[] {
  const [, p1 = 0, p2 = 0, p3 = 0, , , p6 = 0, p7 = 0] = parts;
  if (
    startsWith(parts, [0, 0, 0, 0, 0, 0xffff]) ||
    startsWith(parts, [0, 0, 0, 0, 0xffff, 0]) ||
    startsWith(parts, [0x64, 0xff9b, 0, 0, 0, 0])
  ) {
    return [ipv4Of(p6, p7)];
  }
  if (startsWith(parts, [0x2002])) return [ipv4Of(p1, p2)];
  if (startsWith(parts, [0x2001, 0])) return [ipv4Of(p2, p3), ipv4Of(p6 ^ 0xffff, p7 ^ 0xffff)];
  return [];
}

/** True for an IP address that is not on the public internet; false for public ones and non-IPs. */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 4) return blocked.check(bare, 'ipv4');
  if (family !== 6) return false;
  let parts: number[];
  try {
    parts = ipaddr.IPv6.parse(bare).parts;
  } catch {
    return true; // node:net calls it IPv6 and ipaddr.js cannot read it: refuse rather than guess.
  }
  return blocked.check(bare, 'ipv6') || embeddedIpv4(parts).some((v4) => blocked.check(v4, 'ipv4'));
}

/** Host names that mean this machine without asking DNS. */
export function isLocalHostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why a URL may not be used as it is written (a literal private IP or `localhost`), or undefined.
 * Names are checked again, after DNS, when the notice is delivered.
 */
export function privateUrlReason(url: string): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return undefined;
  }
  if (isLocalHostName(host) || isPrivateAddress(host)) return `${host} is an address inside the network`;
  return undefined;
}

export class PrivateAddressError extends Error {
  override name = 'PrivateAddressError';
  readonly code = 'LFK_PRIVATE_ADDRESS';
}
