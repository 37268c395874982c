// Structured JSON logs, one object per line on stdout. Callers pass identifiers and counts, never payloads.
const levels = { debug: 10, info: 20, warn: 30, error: 40 } as const
export type LogLevel = keyof typeof levels
export type Logger = Record<LogLevel, (msg: string, fields?: Record<string, unknown>) => void>

export function createLogger(component: string, level: LogLevel = 'info', write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const min = levels[level]
  const at = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (levels[lvl] < min) return
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, component, msg, ...fields }) + '\n')
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
