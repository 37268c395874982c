// IP -> country / region / city with geoip-lite's database, read from its files on demand (geoFiles.ts: the
// data stays once in the page cache instead of ~146 MB in every worker). An uncached lookup costs two small
// file reads, and one batch usually carries one IP, so lookups go through a small LRU.
import { openGeoFiles, type GeoRecord } from './geoFiles.ts'

export type Geo = { country: string; region: string; city: string }
export type GeoLookup = (ip: string) => Geo

const EMPTY: Geo = Object.freeze({ country: '', region: '', city: '' })

let files: ReturnType<typeof openGeoFiles> | null = null
/** The process's one set of open geo files (opened by the first createGeoLookup: a missing file stops the start). */
const fileLookup = (ip: string) => files!.lookup(ip)

export function createGeoLookup(cacheSize = 10_000, lookup: (ip: string) => Partial<GeoRecord> | null = fileLookup): GeoLookup {
  if (lookup === fileLookup) files ??= openGeoFiles()
  const cache = new Map<string, Geo>()
  return (ip: string) => {
    if (ip === '') return EMPTY
    const hit = cache.get(ip)
    if (hit) {
      // refresh recency: Map keeps insertion order, so re-inserting moves the key to the end
      cache.delete(ip)
      cache.set(ip, hit)
      return hit
    }
    const found = lookup(ip)
    const geo: Geo = found ? { country: found.country ?? '', region: found.region ?? '', city: found.city ?? '' } : EMPTY
    cache.set(ip, geo)
    if (cache.size > cacheSize) cache.delete(cache.keys().next().value!)
    return geo
  }
}
