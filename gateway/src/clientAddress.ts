// The client's address: the socket peer, unless that peer is a configured trusted proxy, in which case
// X-Forwarded-For is read right to left and the first address that is not a trusted proxy wins.
import { isIP } from 'node:net'
import { normalizeIp } from '../../common/ip.ts'

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
