/**
 * Locale-free, wall-clock-free formatting for files that must be byte-identical across runs and
 * machines (trades.csv, equity.csv). `toLocaleString` and friends depend on the host's ICU data and
 * settings, so nothing here uses them.
 */

/**
 * A number as a short decimal string: rounded to `maxDecimals` (default 8, enough for USDT amounts
 * and for prices of the smallest-tick perpetuals), trailing zeros trimmed, `-0` printed as `0`.
 * Rounding first hides binary-float noise (`0.1 + 0.2` prints `0.3`). Non-finite numbers print as
 * an empty string, so a CSV cell stays parseable.
 */
export const formatDecimal = (value: number, maxDecimals = 8): string => {
  if (!Number.isFinite(value)) return '';
  // toFixed switches to exponent notation from 1e21; such amounts would be a bug upstream, but the
  // output must still be deterministic, which String() is.
  if (Math.abs(value) >= 1e21) return String(value);
  let text = value.toFixed(maxDecimals);
  if (text.includes('.')) {
    let end = text.length;
    while (text.charCodeAt(end - 1) === 48 /* 0 */) end--;
    if (text.charCodeAt(end - 1) === 46 /* . */) end--;
    text = text.slice(0, end);
  }
  return text === '-0' ? '0' : text;
};

/** A number with exactly `decimals` decimals and `,` thousands separators, for humans (tables, cards). */
export const formatFixedGrouped = (value: number, decimals = 2): string => {
  const fixed = Math.abs(value).toFixed(decimals);
  const dot = fixed.indexOf('.');
  const intPart = dot === -1 ? fixed : fixed.slice(0, dot);
  const fracPart = dot === -1 ? '' : fixed.slice(dot);
  let grouped = '';
  for (let i = 0; i < intPart.length; i++) {
    if (i > 0 && (intPart.length - i) % 3 === 0) grouped += ',';
    grouped += intPart[i];
  }
  const isZero = Number(fixed) === 0;
  return `${value < 0 && !isZero ? '-' : ''}${grouped}${fracPart}`;
};

/** Event time (ms since epoch) as ISO-8601 UTC with milliseconds: `2026-02-01T00:00:00.000Z`. */
export const formatIsoUtc = (ts: number): string => new Date(ts).toISOString();

/** A duration in ms as `3d 4h 5m` (largest units first, zero units left out; `0m` for < 1 minute). */
export const formatDurationMs = (durationMs: number): string => {
  const totalMinutes = Math.floor(durationMs / 60_000);
  const days = Math.floor(totalMinutes / 1440);
  const hours = Math.floor((totalMinutes % 1440) / 60);
  const minutes = totalMinutes % 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days}d`);
  if (hours > 0) parts.push(`${hours}h`);
  if (minutes > 0 || parts.length === 0) parts.push(`${minutes}m`);
  return parts.join(' ');
};
