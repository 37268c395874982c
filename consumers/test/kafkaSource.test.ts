import { describe, expect, it } from 'vitest'
import { KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs'
import { isMembershipError } from '../src/kafkaSource.ts'

const protocolError = (type: string) => Object.assign(new KafkaJSProtocolError(type), { type })

describe('isMembershipError: when a batch must be given up so the consumer can re-join', () => {
  it.each([
    ['member unknown (session expired)', protocolError('UNKNOWN_MEMBER_ID'), true],
    ['stale generation', protocolError('ILLEGAL_GENERATION'), true],
    ['rebalance in progress', protocolError('REBALANCE_IN_PROGRESS'), true],
    ['wrapped after retries', new KafkaJSNumberOfRetriesExceeded(protocolError('UNKNOWN_MEMBER_ID'), { retryCount: 5, retryTime: 100 }), true],
    // kafkajs finds the new coordinator only when its runner re-joins, which waits for this batch: retrying
    // the commit against the old one never ends (seen when a cluster node stopped)
    ['coordinator moved to another broker (kafkajs names error 16 NOT_COORDINATOR_FOR_GROUP)', protocolError('NOT_COORDINATOR_FOR_GROUP'), true],
    ['coordinator loading (transient: retry)', protocolError('COORDINATOR_LOAD_IN_PROGRESS'), false],
    ['network error', new Error('connect ECONNREFUSED'), false],
  ])('%s', (_name, err, expected) => {
    expect(isMembershipError(err)).toBe(expected)
  })
})
