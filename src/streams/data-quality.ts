import { z } from 'zod';
import { DataError } from '../domain/index.js';

/**
 * What a reader does with bad input. `skip` (default) drops the bad row, keeps going and returns
 * the issue list (callers print it and send it to the DLQ); `fail` throws a `DataError` on the
 * first issue, gaps and notes included, so a strict run never trades on data it had to repair.
 */
export const dataPolicy = z.enum(['skip', 'fail']).default('skip');
export type DataPolicy = z.output<typeof dataPolicy>;

/** Every kind of problem a reader can find. */
export type DataIssueKind =
  /** NaN, non-numeric or empty field; negative volume; non-integer trade count. */
  | 'invalid-number'
  /** Fewer columns than the file's layout has. */
  | 'missing-column'
  /** high < low, or open/close outside [low, high]. */
  | 'ohlc-inconsistent'
  /** A price ≤ 0. */
  | 'non-positive-price'
  /** Same open time (or trade id) as the previous row: the later row is dropped. */
  | 'duplicate'
  /** Earlier than the previous accepted row: dropped. */
  | 'out-of-order'
  /** Missing candles between two rows: reported, the candles around it are kept. */
  | 'gap'
  /** A value the reader replaced (e.g. a null volume read as 0): the row is kept. */
  | 'repaired'
  /** A line that is not JSON, or an event that fails its domain schema. */
  | 'invalid-event'
  /** The file as a whole cannot be used (unknown layout, no symbol): `line` is 0. */
  | 'unreadable-file';

/**
 * One problem found in an input file. `line` is 1-based and counts the header line; for a JSON
 * array of candles (one-line files) it is the 1-based candle index; 0 means the whole file.
 * `message` says what was found and what was expected, without the `file:line` prefix.
 */
export interface DataIssue {
  readonly file: string;
  readonly line: number;
  readonly kind: DataIssueKind;
  readonly message: string;
}

/** `AVAXUSDT-1m.csv:17: close is "NaN", expected a positive number` — the form used in logs and errors. */
export const formatIssue = (issue: DataIssue): string => `${issue.file}:${issue.line}: ${issue.message}`;

/** Where a reader records issues; applies the policy (throws under `fail`). */
export interface IssueLog {
  readonly file: string;
  readonly policy: DataPolicy;
  readonly issues: DataIssue[];
  report(line: number, kind: DataIssueKind, message: string): void;
}

/**
 * An issue log for one file. Under `fail`, `report` throws `DataError` whose message is the
 * formatted issue and whose `where` is `file:line`.
 */
export const createIssueLog = (file: string, policy: DataPolicy = 'skip'): IssueLog => {
  const issues: DataIssue[] = [];
  return {
    file,
    policy,
    issues,
    report(line, kind, message) {
      const issue: DataIssue = { file, line, kind, message };
      if (policy === 'fail') throw new DataError(formatIssue(issue), `${file}:${line}`);
      issues.push(issue);
    },
  };
};

/** Quotes a raw field for a message: strings as read, numbers and null as JSON. */
const show = (raw: unknown): string =>
  typeof raw === 'string' ? `"${raw}"` : (JSON.stringify(raw) ?? String(raw));

const PRICE_NAMES = ['open', 'high', 'low', 'close'] as const;
const INF = Number.POSITIVE_INFINITY;

/**
 * Checks one candle's prices and volume; reports the first problem and returns false when the
 * row must be dropped. `rawOf(i)` gives the text of field i (open, high, low, close, volume) for
 * the message and is only called on failure, so the happy path allocates nothing.
 */
export const checkCandleValues = (
  log: IssueLog,
  line: number,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
  rawOf: (field: number) => unknown,
): boolean => {
  // One combined test on the happy path; the per-field loop (and its array) only runs on failure.
  const pricesOk =
    open > 0 && high > 0 && low > 0 && close > 0 && open < INF && high < INF && low < INF && close < INF;
  if (!pricesOk) {
    const prices = [open, high, low, close];
    for (let i = 0; i < 4; i++) {
      const price = prices[i];
      if (price > 0 && price < INF) continue;
      const kind = price <= 0 ? 'non-positive-price' : 'invalid-number';
      log.report(line, kind, `${PRICE_NAMES[i]} is ${show(rawOf(i))}, expected a positive number`);
      return false;
    }
  }
  if (high < low) {
    log.report(line, 'ohlc-inconsistent', `high ${high} is below low ${low}`);
    return false;
  }
  if (open > high || open < low || close > high || close < low) {
    const which = open > high || open < low ? 'open' : 'close';
    log.report(
      line,
      'ohlc-inconsistent',
      `${which} ${which === 'open' ? open : close} is outside [low ${low}, high ${high}]`,
    );
    return false;
  }
  if (!(volume >= 0 && volume < INF)) {
    log.report(line, 'invalid-number', `volume is ${show(rawOf(4))}, expected a non-negative number`);
    return false;
  }
  return true;
};

/** Decides whether the next candle of one series is accepted, given its open time. */
export interface SequenceCheck {
  /** False when the row is a duplicate or out of order (reported, to be dropped); gaps are reported and accepted. */
  accept(openTime: number, line: number): boolean;
}

/**
 * The ordering policy of one series: a candle with the same open time as the last accepted one
 * is a `duplicate`, an earlier one is `out-of-order` (both dropped, the first seen wins); a jump
 * of more than one interval is a `gap` (reported, kept). `intervalLabel` is used in messages.
 */
export const createSequenceCheck = (
  log: IssueLog,
  intervalMs: number,
  intervalLabel: string,
): SequenceCheck => {
  // Open time and line of the last accepted candle; -1 until the first one.
  let lastOpenTime = -1;
  let lastLine = 0;
  return {
    accept(openTime, line) {
      if (lastOpenTime >= 0) {
        if (openTime === lastOpenTime) {
          log.report(line, 'duplicate', `duplicate open_time ${openTime} (first seen on line ${lastLine})`);
          return false;
        }
        if (openTime < lastOpenTime) {
          log.report(
            line,
            'out-of-order',
            `open_time ${openTime} is before the previous candle's ${lastOpenTime} (line ${lastLine})`,
          );
          return false;
        }
        if (openTime - lastOpenTime > intervalMs) {
          const missing = Math.round((openTime - lastOpenTime) / intervalMs) - 1;
          log.report(
            line,
            'gap',
            `gap: ${missing} missing ${intervalLabel} candle(s) between open_time ${lastOpenTime} (line ${lastLine}) and ${openTime}`,
          );
        }
      }
      lastOpenTime = openTime;
      lastLine = line;
      return true;
    },
  };
};
