// IP_ANONYMIZATION: what is kept of a client address after the geo lookup has used it. `truncate` keeps the
// network (IPv4 /24, IPv6 /48): enough for coarse analysis, no longer one subscriber. `drop` keeps nothing.
import { isIPv4, isIPv6 } from 'node:net'

export type IpAnonymization = 'off' | 'truncate' | 'drop'

export function anonymizeIp(ip: string, mode: IpAnonymization): string {
  if (mode === 'off' || ip === '') return ip
  if (mode === 'drop') return ''
  if (isIPv4(ip)) return ip.split('.').slice(0, 3).concat('0').join('.')
  if (isIPv6(ip)) {
    const groups = expandIpv6(ip)
    return `${groups.slice(0, 3).map((g) => g.toString(16)).join(':')}::`
  }
  return '' // not an address: keep nothing rather than something unexpected
}

/** The eight 16-bit groups of an IPv6 address (handles `::`, an embedded IPv4 tail and a zone id). */
function expandIpv6(ip: string): number[] {
  let text = ip.split('%')[0]!
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number]
    text = text.slice(0, -v4[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined]
  const parse = (s: string | undefined) => (s ? s.split(':').map((g) => parseInt(g, 16)) : [])
  const left = parse(head)
  const right = parse(tail)
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right]
}
