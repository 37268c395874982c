// The client's address: the socket peer, unless that peer is a configured trusted proxy, in which case
// X-Forwarded-For is read right to left and the first address that is not a trusted proxy wins.
import { isIP } from 'node:net'

export function normalizeIp(ip: string): string {
  const trimmed = ip.trim()
  // IPv4-mapped IPv6 (::ffff:1.2.3.4), as Node reports IPv4 peers on dual-stack sockets
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed)
  return mapped ? mapped[1]! : trimmed
}

export function resolveClientAddress(peer: string | undefined, forwardedFor: string | undefined, trustedProxies: ReadonlySet<string>): string {
  const remote = normalizeIp(peer ?? '')
  if (!forwardedFor || !trustedProxies.has(remote)) return isIP(remote) ? remote : ''
  const hops = forwardedFor.split(',').map(normalizeIp)
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!
    if (!isIP(hop)) return remote // a malformed chain is not trusted past this point
    if (!trustedProxies.has(hop)) return hop
  }
  return remote
}
