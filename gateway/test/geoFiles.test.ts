// The file-backed lookup answers as geoip-lite does with its in-memory copy of the same files.
import { closeSync, openSync, readSync } from 'node:fs'
import geoip from 'geoip-lite'
import { afterAll, describe, expect, it } from 'vitest'
import { geoipDataDir, openGeoFiles } from '../src/geoFiles.ts'

const files = openGeoFiles()
afterAll(() => files.close())

const expected = (ip: string) => {
  const r = geoip.lookup(ip)
  return r ? { country: r.country ?? '', region: r.region ?? '', city: r.city ?? '' } : null
}
const ntoa4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
const hex = (n: number) => n.toString(16)

/** Range bounds from the data file itself: every n-th record's start and end, and the address after its end. */
function boundaries(file: string, recordSize: number, every: number, read: (b: Buffer) => string[]): string[] {
  const fd = openSync(`${geoipDataDir()}/${file}`, 'r')
  const buf = Buffer.alloc(recordSize)
  const out: string[] = []
  try {
    for (let pos = 0; readSync(fd, buf, 0, recordSize, pos) === recordSize; pos += recordSize * every) out.push(...read(buf))
  } finally {
    closeSync(fd)
  }
  return out
}

describe('openGeoFiles', () => {
  it('answers as geoip-lite for IPv4 range starts, ends and the addresses just past them', () => {
    const ips = boundaries('geoip-city.dat', 24, 997, (b) => {
      const end = b.readUInt32BE(4)
      return [ntoa4(b.readUInt32BE(0)), ntoa4(end), ntoa4(Math.min(end + 1, 0xffffffff))]
    })
    expect(ips.length).toBeGreaterThan(5_000)
    let located = 0
    for (const ip of ips) {
      const got = files.lookup(ip)
      expect(got, ip).toEqual(expected(ip))
      if (got?.city) located++
    }
    expect(located).toBeGreaterThan(1_000)
  })

  it('answers as geoip-lite for random IPv4, IPv4-mapped IPv6 and private addresses', () => {
    let seed = 12345
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0)
    const ips = Array.from({ length: 20_000 }, () => ntoa4(rand()))
    ips.push('10.1.2.3', '172.16.0.1', '192.168.1.1', '127.0.0.1', '0.0.0.0', '255.255.255.255', '8.8.8.8', '81.2.69.142')
    ips.push('::ffff:81.2.69.142', '0:0:0:0:0:ffff:8.8.8.8', '::FFFF:10.0.0.1')
    for (const ip of ips) expect(files.lookup(ip), ip).toEqual(expected(ip))
  })

  it('answers as geoip-lite for IPv6 range starts and addresses inside and past the ranges', () => {
    const ips = boundaries('geoip-city6.dat', 48, 499, (b) => {
      const words = (o: number) => Array.from({ length: 8 }, (_, i) => hex(b.readUInt16BE(o + 2 * i)))
      const start = words(0)
      const end = words(16)
      const inside = [...start.slice(0, 3), hex((parseInt(start[3]!, 16) + 1) & 0xffff), '0', '0', '0', '1']
      return [start.join(':'), end.join(':'), inside.join(':')]
    })
    expect(ips.length).toBeGreaterThan(5_000)
    ips.push('2001:4860:4860::8888', '::1', 'fe80::1', '2a00:1450:4001:82a::200e', 'ffff::1')
    let located = 0
    for (const ip of ips) {
      const got = files.lookup(ip)
      expect(got, ip).toEqual(expected(ip))
      if (got?.country) located++
    }
    expect(located).toBeGreaterThan(1_000)
  })

  it('answers null for what is not an address', () => {
    for (const ip of ['', '999.1.1.1', 'example.com', '1.2.3', '::ffff:c000:0280']) expect(files.lookup(ip), ip).toBeNull()
  })
})
