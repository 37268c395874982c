/** 40960 -> "40 KB", 1048576 -> "1 MB", 512 -> "512 B": the sizes named in limit messages. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${trim(n / 1024)} KB`
  return `${trim(n / (1024 * 1024))} MB`
}

function trim(x: number): string {
  return (Math.round(x * 10) / 10).toString()
}
