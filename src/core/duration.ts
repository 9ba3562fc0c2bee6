/**
 * A duration in milliseconds as messages state it: milliseconds under a
 * second, else seconds with as many decimals as it has (1500 -> "1.5 s",
 * 1250 -> "1.25 s", 60000 -> "60 s"), never rounded into another limit.
 */
export function formatSeconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}
