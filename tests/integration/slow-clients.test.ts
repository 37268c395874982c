// Hostile clients at the socket level, against the real Node HTTP server of the gateway: a body dribbled
// byte by byte (slow loris) is cut off at REQUEST_TIMEOUT_MS, a header flood is refused, and the gateway
// keeps serving everyone else; a chunked body past LIMIT_BODY_BYTES is answered 413 on a connection that
// stays usable.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startGateway, type RunningGateway } from '../../gateway/src/server.ts'
import { integrationConfig, INTEGRATION_DEV_KEY, runId, testLogger } from './harness.ts'

const config = integrationConfig(runId(), { REQUEST_TIMEOUT_MS: '1500', GATEWAY_WORKERS: '1' })
let gateway: RunningGateway

beforeAll(async () => {
  gateway = await startGateway(config, testLogger('gateway').log)
})
afterAll(async () => {
  await gateway?.stop()
})

/** Opens a raw connection, sends `head`, then one body byte every `everyMs`; resolves with what came back. */
function dribble(head: string, bodyBytes: number, everyMs: number) {
  return new Promise<{ response: string; bytesSent: number; closedByServer: boolean }>((resolve) => {
    const socket = connect(gateway.port, '127.0.0.1')
    let response = ''
    let bytesSent = 0
    let timer: NodeJS.Timeout | undefined
    socket.on('connect', () => {
      socket.write(head)
      timer = setInterval(() => {
        if (bytesSent >= bodyBytes) return clearInterval(timer)
        socket.write('{')
        bytesSent++
      }, everyMs)
    })
    socket.on('data', (d) => (response += d.toString()))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearInterval(timer)
      resolve({ response, bytesSent, closedByServer: bytesSent < bodyBytes })
    })
  })
}

describe('slow and flooding clients on the real server', () => {
  it('cuts off a body dribbled slower than REQUEST_TIMEOUT_MS (slow loris) with 408', async () => {
    const bodyBytes = 200 // at one byte per 100 ms this would take 20 s; the limit is 1.5 s
    const head = `POST /v1/batch HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${INTEGRATION_DEV_KEY}\r\nContent-Length: ${bodyBytes}\r\n\r\n`
    const r = await dribble(head, bodyBytes, 100)
    expect(r.closedByServer).toBe(true)
    expect(r.response).toMatch(/^HTTP\/1\.1 408/)
    // and the server still answers others
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200)
  })

  it.each([
    ['/v1/batch', 'application/json'],
    ['/v1/traces', 'application/x-protobuf'],
  ])('answers 413 to a chunked body past LIMIT_BODY_BYTES on %s, and serves the next request on the same connection', async (route, contentType) => {
    const response = await new Promise<string>((resolve) => {
      const socket = connect(gateway.port, '127.0.0.1')
      let text = ''
      socket.on('data', (d) => {
        text += d.toString()
        if (/HTTP\/1\.1 200[\s\S]*"status":"ok"/.test(text)) socket.end()
      })
      socket.on('error', () => {})
      socket.on('close', () => resolve(text))
      socket.on('connect', () => {
        socket.write(`POST ${route} HTTP/1.1\r\nHost: x\r\nContent-Type: ${contentType}\r\nAuthorization: Bearer ${INTEGRATION_DEV_KEY}\r\nTransfer-Encoding: chunked\r\n\r\n`)
        const chunk = 'x'.repeat(64 * 1024)
        const chunks = Math.ceil(config.limits.bodyBytes / chunk.length) + 2
        for (let i = 0; i < chunks; i++) socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`)
        socket.write('0\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
      })
    })
    expect(response).toMatch(/^HTTP\/1\.1 413/)
    expect(response).toContain('body is larger than the limit 1 MB (LIMIT_BODY_BYTES)') // in protobuf, the google.rpc.Status message bytes
    expect(response).toMatch(/HTTP\/1\.1 200[\s\S]*"status":"ok"/)
  })

  it('refuses a header flood with 431, and stays up', async () => {
    const flood = Array.from({ length: 1000 }, (_, i) => `X-Flood-${i}: ${'v'.repeat(20)}`).join('\r\n')
    const r = await dribble(`POST /v1/batch HTTP/1.1\r\nHost: x\r\n${flood}\r\nContent-Length: 0\r\n\r\n`, 0, 100)
    expect(r.response).toMatch(/^HTTP\/1\.1 431/)
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200)
  })
})
