import { describe, expect, it } from 'vitest'
import { formatTraceTree, type TraceRow } from '../traceTree.ts'

const row = (span_id: string, parent_span_id: string, name: string, startNs: string, durationNs: string, status_code = 'unset', status_message = ''): TraceRow => ({
  span_id, parent_span_id, service: 'svc', name, kind: 'internal', start_time_unix_nano: startNs, duration_ns: durationNs, status_code, status_message,
})

describe('formatTraceTree', () => {
  it('indents children under their parent in start order, whatever the row order', () => {
    const rows = [
      row('c2', 'a', 'second child', '1764064800030000000', '5000000'),
      row('g1', 'c1', 'grandchild', '1764064800011000000', '1500000', 'error', 'timeout'),
      row('a', '', 'root', '1764064800000000000', '50000000', 'ok'),
      row('c1', 'a', 'first child', '1764064800010000000', '9000000'),
    ]
    expect(formatTraceTree('t1', rows)).toBe(
      [
        'trace t1: 4 spans, 50.000 ms',
        'root  [svc, internal]  50.000 ms  +0.000 ms  ok',
        '  first child  [svc, internal]  9.000 ms  +10.000 ms',
        '    grandchild  [svc, internal]  1.500 ms  +11.000 ms  ERROR: timeout',
        '  second child  [svc, internal]  5.000 ms  +30.000 ms',
      ].join('\n'),
    )
  })

  it('shows a span whose parent is missing as a root, and says so', () => {
    const out = formatTraceTree('t2', [row('x', 'ffffffffffffffff', 'orphan', '1764064800000000001', '1')])
    expect(out.split('\n')[1]).toBe('orphan  [svc, internal]  0.000 ms  +0.000 ms  (parent ffffffffffffffff missing)')
  })

  it('says when the trace has no spans', () => {
    expect(formatTraceTree('t3', [])).toBe('trace t3: no spans')
  })
})
