import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { FeedError } from '../../core/errors.ts';

/**
 * SSRF guard. A feed URL is attacker-controlled input: it must not reach the metadata service,
 * the VPC or the host itself. Addresses are checked after DNS resolution, at connect time (so a
 * DNS answer that changes between check and use is still checked), for every redirect hop.
 */

const PUBLIC_RANGE = 'unicast';

/** True when the address is a public unicast address (after unwrapping IPv4-mapped IPv6). */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address); // ::ffff:127.0.0.1 → 127.0.0.1
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).range() === 'rfc6052') return false;
  return parsed.range() === PUBLIC_RANGE;
}

export function isLoopbackAddress(address: string): boolean {
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

export function checkAddress(address: string, host: string, port: number, policy: AddressPolicy): void {
  if (isPublicAddress(address)) return;
  if (isLoopbackAddress(address) && policy.allowedLoopbackPorts?.includes(port)) return;
  throw new FeedError('blocked-address', `refused to connect to ${host} (${address}): not a public address`);
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** A `lookup` for http.request that resolves, then refuses any non-public answer. */
export function guardedLookup(policy: AddressPolicy, port: number) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      try {
        for (const { address } of addresses) checkAddress(address, hostname, port, policy);
      } catch (guardError) {
        return callback(guardError as NodeJS.ErrnoException, []);
      }
      const wantsAll = (options as { all?: boolean }).all === true;
      if (wantsAll) return callback(null, addresses);
      const first = addresses[0]!;
      return callback(null, first.address, first.family);
    });
  };
}
