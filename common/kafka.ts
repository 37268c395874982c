// kafkajs client construction shared by gateway and consumers: our brokers, our JSON logs.
import { promisify } from 'node:util'
import * as zlib from 'node:zlib'
import { lz4Compress, lz4Decompress } from '@platformatic/wasm-utils'
import kafkajs, { CompressionTypes, Kafka, logLevel, type KafkaConfig as KafkaJsConfig } from 'kafkajs'
import type { KafkaConfig } from './config.ts'
import type { Logger } from './logger.ts'
import { dropTimeoutNegativeWarning, levelForKafkajs } from './kafkajsNoise.ts'

dropTimeoutNegativeWarning()

// kafkajs ships gzip only. zstd comes from Node's own zlib (Node >= 22.15), so it needs no native package;
// registered here, once, for the gateway (compress) and the consumers (decompress) alike.
const zstdCompress = promisify(zlib.zstdCompress)
const zstdDecompress = promisify(zlib.zstdDecompress)
// (CompressionCodecs is not among the names Node detects in kafkajs' CommonJS exports: take it from the default)
kafkajs.CompressionCodecs[CompressionTypes.ZSTD] = () => ({
  compress: (encoder: { buffer: Buffer }) => zstdCompress(encoder.buffer),
  decompress: (buffer: Buffer) => zstdDecompress(buffer),
})

// LZ4 (Kafka's LZ4 frame format) from the WebAssembly codec @platformatic/kafka itself uses: the consumers
// must read what a gateway producing KAFKA_COMPRESSION=lz4 writes. Synchronous, but a batch takes well under
// a millisecond (it is the cheapest codec: see loadtest/README.md).
kafkajs.CompressionCodecs[CompressionTypes.LZ4] = () => ({
  compress: async (encoder: { buffer: Buffer }) => lz4Compress(encoder.buffer),
  decompress: async (buffer: Buffer) => lz4Decompress(buffer),
})

export const compressionTypes = { none: CompressionTypes.None, gzip: CompressionTypes.GZIP, zstd: CompressionTypes.ZSTD, lz4: CompressionTypes.LZ4 } as const

export function createKafkaClient(config: KafkaConfig, log: Logger, overrides: Partial<KafkaJsConfig> = {}): Kafka {
  return new Kafka({
    clientId: config.clientId,
    brokers: config.brokers,
    connectionTimeout: 3_000,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log: entry }) => {
        // stack traces and kafkajs' own timestamp add noise, not facts
        const { message, timestamp: _t, logger: _l, stack: _s, ...rest } = entry as { message: string; timestamp?: unknown; logger?: unknown; stack?: unknown }
        const fields = { kafkajs: namespace, ...rest }
        const ours = levelForKafkajs(level <= logLevel.ERROR, entry as { message: string; error?: unknown })
        log[ours](message, ours === 'info' ? { ...fields, note: 'expected while the consumer group forms; kafkajs retries' } : fields)
      },
    ...overrides,
  })
}
