import { ConfigError } from '../../domain/index.js';

/**
 * A formatter of event time for display in `timeZone` (IANA name, e.g. `Europe/Oslo`), as
 * `YYYY-MM-DD HH:mm:ss` — the zone changes labels only, never what is computed. Built once and
 * reused, because constructing an `Intl.DateTimeFormat` is far slower than using one.
 * Throws `ConfigError` naming the bad zone when the runtime does not know it.
 */
export const createDisplayTimeFormatter = (timeZone: string): ((ts: number) => string) => {
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
  } catch {
    throw new ConfigError(
      `unknown display time zone '${timeZone}': use an IANA name such as 'UTC' or 'Europe/Oslo'`,
      'report.timeZone',
    );
  }
  return (ts: number): string => {
    const parts: Record<string, string> = {};
    for (const part of format.formatToParts(ts)) parts[part.type] = part.value;
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  };
};
