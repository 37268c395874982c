// IP -> country / region / city with geoip-lite's in-memory database. An uncached lookup costs a few
// microseconds, and one batch usually carries one IP, so lookups go through a small LRU.
import geoip from 'geoip-lite'

export type Geo = { country: string; region: string; city: string }
export type GeoLookup = (ip: string) => Geo

const EMPTY: Geo = Object.freeze({ country: '', region: '', city: '' })

export function createGeoLookup(cacheSize = 10_000, lookup: (ip: string) => geoip.Lookup | null = geoip.lookup): GeoLookup {
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
