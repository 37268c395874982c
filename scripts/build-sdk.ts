// npm run build:sdk — the SDK's ESM build (sdk/dist/index.js, sdk/dist/node.js) and the minified browser
// bundle (sdk/dist/telemetry.min.js, global `Telemetry`), made with esbuild. Prints the bundle's gzipped
// size and fails when it is over SDK_BUNDLE_BUDGET_BYTES: a page pays for every byte of it on first load.
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

/** 8 KiB gzipped: a quarter of Segment's analytics.js (~30 KB), under half of Snowplow's (~20 KB). */
export const SDK_BUNDLE_BUDGET_BYTES = 8 * 1024

const root = new URL('../', import.meta.url).pathname
const out = `${root}sdk/dist`

export async function buildSdk(): Promise<{ bundleBytes: number; gzipBytes: number }> {
  const common = { bundle: true, target: ['es2020'], logLevel: 'warning' as const, legalComments: 'none' as const }
  await build({ ...common, entryPoints: [`${root}sdk/src/index.ts`], format: 'esm', platform: 'neutral', outfile: `${out}/index.js`, sourcemap: true })
  await build({ ...common, entryPoints: [`${root}sdk/src/node.ts`], format: 'esm', platform: 'node', outfile: `${out}/node.js`, sourcemap: true })
  await build({ ...common, entryPoints: [`${root}sdk/src/index.ts`], format: 'iife', globalName: 'Telemetry', platform: 'browser', minify: true, outfile: `${out}/telemetry.min.js` })
  const bundle = readFileSync(`${out}/telemetry.min.js`)
  return { bundleBytes: bundle.length, gzipBytes: gzipSync(bundle, { level: 9 }).length }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { bundleBytes, gzipBytes } = await buildSdk()
  const ok = gzipBytes <= SDK_BUNDLE_BUDGET_BYTES
  console.log(`sdk: sdk/dist/telemetry.min.js ${bundleBytes} bytes, ${gzipBytes} bytes gzipped (budget ${SDK_BUNDLE_BUDGET_BYTES})${ok ? '' : ' — OVER BUDGET'}`)
  if (!ok) process.exit(1)
}
