// geoip-lite's city database read from its files on demand instead of copied into every process. geoip-lite
// itself reads its ~146 MB of .dat files into Buffers in each process that loads it (every gateway worker);
// here a worker keeps only a sparse index (one range start per block of records, ~150 KB) and reads the one
// block a lookup needs with pread: the file pages live once in the kernel's page cache, shared by every
// worker, outside their RSS. An uncached lookup costs two small reads (the block, the location record);
// geo.ts keeps an LRU in front. The answers are geoip-lite's, from the same files (test/geoFiles.test.ts
// compares them): same IPv4 parsing, IPv4-mapped IPv6, private ranges, and IPv6 compared on its first 64
// bits as geoip-lite does.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { createRequire } from 'node:module'
import { isIP } from 'node:net'
import { dirname, resolve } from 'node:path'

export type GeoRecord = { country: string; region: string; city: string }

const require = createRequire(import.meta.url)
// geoip-lite's address parsing (its utils module only: the main module would load all the data)
const geoipUtils = require('geoip-lite/lib/utils.js') as { aton4(ip: string): number; aton6(ip: string): number[] }

// geoip-lite's file layouts (lib/geoip.js): big-endian records, sorted by range start
const V4_RECORD = 24 // start u32, end u32, location id u32, latitude, longitude, accuracy
const V6_RECORD = 48 // start 16 bytes, end 16 bytes, location id u32, latitude, longitude, accuracy
const NAME_RECORD = 88 // country 2, region 3, metro 4, eu 1, timezone 32, city 46 (NUL-padded UTF-8)
const NO_LOCATION = 0xffffffff
const BLOCK_RECORDS = 128
const PRIVATE_V4: Array<[number, number]> = [
  ['10.0.0.0', '10.255.255.255'],
  ['172.16.0.0', '172.31.255.255'],
  ['192.168.0.0', '192.168.255.255'],
].map(([a, b]) => [geoipUtils.aton4(a!), geoipUtils.aton4(b!)])

/** The directory geoip-lite reads (its data/, or GEODATADIR relative to its lib/, as geoip-lite resolves it). */
export function geoipDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(dirname(require.resolve('geoip-lite/lib/geoip.js')), env.GEODATADIR || '../data/')
}

/** A file of fixed-size sorted records with an in-memory index of each block's first key (`keyWords` u32s). */
function openRecordFile(path: string, recordSize: number, keyWords: number) {
  const fd = openSync(path, 'r')
  const records = fstatSync(fd).size / recordSize
  if (!Number.isInteger(records) || records === 0) throw new Error(`${path}: not a geoip-lite data file of ${recordSize}-byte records`)
  const blocks = Math.ceil(records / BLOCK_RECORDS)
  const index = new Uint32Array(blocks * keyWords)
  const head = Buffer.alloc(4 * keyWords)
  for (let b = 0; b < blocks; b++) {
    readSync(fd, head, 0, head.length, b * BLOCK_RECORDS * recordSize)
    for (let w = 0; w < keyWords; w++) index[b * keyWords + w] = head.readUInt32BE(4 * w)
  }
  const block = Buffer.alloc(BLOCK_RECORDS * recordSize)
  return {
    fd,
    records,
    /** Compares `key` with the first key of block `b`. */
    cmpBlock(key: number[], b: number): number {
      for (let w = 0; w < keyWords; w++) {
        const k = index[b * keyWords + w]!
        if (key[w]! !== k) return key[w]! < k ? -1 : 1
      }
      return 0
    },
    /** Reads block `b` (its records) into the shared buffer; returns how many records it holds. */
    readBlock(b: number): { buf: Buffer; count: number } {
      const count = Math.min(BLOCK_RECORDS, records - b * BLOCK_RECORDS)
      readSync(fd, block, 0, count * recordSize, b * BLOCK_RECORDS * recordSize)
      return { buf: block, count }
    },
    blocks,
  }
}

type RecordFile = ReturnType<typeof openRecordFile>

function cmpWords(buf: Buffer, offset: number, key: number[], words: number): number {
  for (let w = 0; w < words; w++) {
    const v = buf.readUInt32BE(offset + 4 * w)
    if (key[w]! !== v) return key[w]! < v ? -1 : 1
  }
  return 0
}

/** The location id of the record whose range holds `key`, NO_LOCATION when one holds it without a location, or null. */
function findLocation(file: RecordFile, key: number[], recordSize: number, keyWords: number, endOffset: number, locOffset: number): number | null {
  // last block whose first start <= key
  let lo = 0
  let hi = file.blocks - 1
  if (file.cmpBlock(key, 0) < 0) return null
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (file.cmpBlock(key, mid) >= 0) lo = mid
    else hi = mid - 1
  }
  const { buf, count } = file.readBlock(lo)
  // last record in the block whose start <= key
  let a = 0
  let b = count - 1
  while (a < b) {
    const mid = (a + b + 1) >> 1
    if (cmpWords(buf, mid * recordSize, key, keyWords) >= 0) a = mid
    else b = mid - 1
  }
  if (cmpWords(buf, a * recordSize + endOffset, key, keyWords) > 0) return null // key is past this range's end
  return buf.readUInt32BE(a * recordSize + locOffset)
}

/** A NUL-padded field, up to its first NUL (as geoip-lite reads them). */
function text(buf: Buffer, from: number, to: number): string {
  const s = buf.toString('utf8', from, to)
  const end = s.indexOf('\u0000')
  return end < 0 ? s : s.slice(0, end)
}

export type GeoFiles = { lookup(ip: string): GeoRecord | null; close(): void }

/** Opens geoip-lite's city files (IPv4, IPv6, location names) for lookups by pread. */
export function openGeoFiles(dir = geoipDataDir()): GeoFiles {
  const v4 = openRecordFile(`${dir}/geoip-city.dat`, V4_RECORD, 1)
  const v6 = openRecordFile(`${dir}/geoip-city6.dat`, V6_RECORD, 2)
  const namesFd = openSync(`${dir}/geoip-city-names.dat`, 'r')
  const name = Buffer.alloc(NAME_RECORD)
  const location = (loc: number | null): GeoRecord | null => {
    if (loc === null) return null
    if (loc === NO_LOCATION) return { country: '', region: '', city: '' }
    readSync(namesFd, name, 0, NAME_RECORD, loc * NAME_RECORD)
    return { country: text(name, 0, 2), region: text(name, 2, 5), city: text(name, 42, NAME_RECORD) }
  }
  const lookup4 = (ip: number) => {
    // (a mapped address in hex form parses to NaN: geoip-lite's search would never end; no location)
    if (Number.isNaN(ip)) return null
    for (const [from, to] of PRIVATE_V4) if (ip >= from && ip <= to) return null
    return location(findLocation(v4, [ip], V4_RECORD, 1, 4, 8))
  }
  return {
    lookup(ip) {
      const version = isIP(ip)
      if (version === 4) return lookup4(geoipUtils.aton4(ip))
      if (version !== 6) return null
      const upper = ip.toUpperCase()
      for (const prefix of ['0:0:0:0:0:FFFF:', '::FFFF:']) if (upper.startsWith(prefix)) return lookup4(geoipUtils.aton4(upper.slice(prefix.length)))
      return location(findLocation(v6, geoipUtils.aton6(ip), V6_RECORD, 2, 16, 32))
    },
    close() {
      for (const fd of [v4.fd, v6.fd, namesFd]) closeSync(fd)
    },
  }
}
