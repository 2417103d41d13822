import { UsageError } from '../domain/errors.js';

/**
 * `--from` / `--to` values: ms since epoch, or an ISO-8601 date/time (`2026-02-01`,
 * `2026-02-01T12:00Z`). A date without a zone is UTC. Returns ms since epoch.
 */
export const parseTimeOption = (option: string, value: string | undefined): number | undefined => {
  if (value === undefined || value === '') return undefined;
  if (/^\d{10,16}$/.test(value)) return Number(value.length > 13 ? value.slice(0, 13) : value);
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(iso);
  const ts = Date.parse(hasZone ? iso : `${iso}Z`);
  if (Number.isNaN(ts)) {
    throw new UsageError(
      `${option}: expected a date like 2026-02-01 or 2026-02-01T12:00Z or ms since epoch, got "${value}"`,
    );
  }
  return ts;
};

/** A duration flag (`--duration 10m`, `--every 24h`): a number with ms, s, m or h; ms. */
export const parseDuration = (value: string | undefined, option = '--duration'): number | undefined => {
  if (value === undefined) return undefined;
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(value);
  if (match === null)
    throw new UsageError(`${option}: expected a number with ms, s, m or h (e.g. 30m), got "${value}"`);
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
};
