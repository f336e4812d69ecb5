import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { FeedError } from '../../core/errors.ts';

/**
 * SSRF guard. A feed URL is attacker-controlled input: it must not reach the metadata service,
 * the VPC or the host itself. Addresses are checked after DNS resolution, at connect time (so a
 * DNS answer that changes between check and use is still checked), for every redirect hop, and
 * a literal address in any spelling (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1]) is
 * first normalised by the URL parser, then classified here.
 */

// IPv6 global unicast is 2000::/3; everything else (IPv4-compatible ::a.b.c.d, site-local,
// unique-local, link-local, NAT64 64:ff9b::/96 and its local-use /48) can reach inside.
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/** True when the address is a public unicast address (after unwrapping IPv4-mapped IPv6). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // ::ffff:127.0.0.1 → 127.0.0.1
  if (parsed.kind() === 'ipv4') return parsed.range() === 'unicast';
  const ipv6 = parsed as ipaddr.IPv6;
  // ipaddr's 'unicast' excludes 6to4 (2002::/16) and Teredo (2001::/32), which wrap IPv4 addresses.
  return ipv6.match(IPV6_GLOBAL_UNICAST) && ipv6.range() === 'unicast';
}

function isLoopbackAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'loopback';
}

export interface AddressPolicy {
  /**
   * Loopback ports that may be fetched: only the local mode's snapshot server. Everything else on
   * loopback, and every private, link-local or metadata address, is refused.
   */
  readonly allowedLoopbackPorts?: readonly number[];
}

/** @throws FeedError 'blocked-address' unless the address is public, or an allowed loopback port. */
export function checkAddress(address: string, host: string, port: number, policy: AddressPolicy): void {
  if (isPublicAddress(address)) return;
  if (isLoopbackAddress(address) && policy.allowedLoopbackPorts?.includes(port)) return;
  throw new FeedError(
    'blocked-address',
    `refused to connect to ${host} (${address}, port ${port}): not a public address`,
  );
}

/** Resolves a host name to all its addresses (node:dns by default; tests inject answers). */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request: resolves, then refuses the host if any answer is not public (one
 * private answer among public ones is how DNS rebinding starts).
 */
export function guardedLookup(policy: AddressPolicy, port: number, resolver: Resolver = systemResolver) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    resolver(hostname).then(
      (addresses) => {
        try {
          if (addresses.length === 0) throw new FeedError('network', `${hostname} has no address`);
          for (const { address } of addresses) checkAddress(address, hostname, port, policy);
        } catch (guardError) {
          return callback(guardError as NodeJS.ErrnoException, []);
        }
        const family = (options as { family?: number }).family;
        const usable = family ? addresses.filter((answer) => answer.family === family) : addresses;
        if ((options as { all?: boolean }).all === true) return callback(null, usable);
        const first = usable[0] ?? addresses[0]!;
        return callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, []),
    );
  };
}
