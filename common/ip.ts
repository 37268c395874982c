// IP address text as the pipeline compares and stores it.

/** Trimmed, and an IPv4-mapped IPv6 address (::ffff:1.2.3.4, as Node reports IPv4 peers on dual-stack sockets) as IPv4. */
export function normalizeIp(ip: string): string {
  const trimmed = ip.trim()
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(trimmed)
  return mapped ? mapped[1]! : trimmed
}
