// Planning and paging a series (klines or funding) for `quantum data download` (binance-download.ts):
// what each month file lacks, then fetching it page by page into the files.
import {
  addRows,
  type FileState,
  monthStart,
  monthTag,
  nextMonthStart,
  readFileState,
  type SeriesRow,
} from './binance-download-files.js';

/** Times to fetch, inclusive at both ends. */
export interface TimeRange {
  start: number;
  end: number;
}

/** How one kind of series (klines, funding) is laid out and paged. */
export interface SeriesSpec {
  readonly header: string;
  /** Distance between consecutive rows on the grid (the interval; 1 ms for funding). */
  readonly stepMs: number;
  /** A month file whose first row is this far after the month's start is missing its beginning. */
  readonly headSlackMs: number;
  readonly pageLimit: number;
  fileOf(month: string): string;
  /** One page from `start` to `end` (inclusive), rows ascending; `previousT` is the row before `start`, if known. */
  fetchPage(start: number, end: number, previousT: number | undefined): Promise<SeriesRow[]>;
}

export interface SeriesPlan {
  readonly files: string[];
  readonly states: Map<string, FileState | undefined>;
  readonly ranges: TimeRange[];
}

/** The month files of `[start, end]` and the ranges they lack (ascending, touching ones joined). */
export const planSeries = (
  spec: SeriesSpec,
  start: number,
  end: number,
  repaired: (note: string) => void,
) => {
  const plan: SeriesPlan = { files: [], states: new Map(), ranges: [] };
  const need = (range: TimeRange): void => {
    const previous = plan.ranges[plan.ranges.length - 1];
    if (previous !== undefined && range.start === previous.end + spec.stepMs) previous.end = range.end;
    else plan.ranges.push(range);
  };
  for (let month = monthStart(start); month <= end; month = nextMonthStart(month)) {
    const file = spec.fileOf(monthTag(month));
    const from = Math.max(start, month);
    const to = Math.min(end, nextMonthStart(month) - spec.stepMs);
    const state = readFileState(file, repaired);
    plan.files.push(file);
    plan.states.set(file, state);
    if (state === undefined) {
      need({ start: from, end: to });
      continue;
    }
    // A file stays one unbroken stretch: a window that starts after its end or stops before its
    // start still fetches the stretch between, or a later run would take the hole for the exchange's.
    if (state.first - from >= spec.headSlackMs) need({ start: from, end: state.first - spec.stepMs });
    if (to - state.last >= spec.stepMs) need({ start: state.last + spec.stepMs, end: to });
  }
  return plan;
};

/** The latest row time the plan's files hold before `t`. */
const knownBefore = (plan: SeriesPlan, t: number): number | undefined => {
  let best: number | undefined;
  for (const state of plan.states.values()) {
    if (state === undefined) continue;
    if (state.last < t && (best === undefined || state.last > best)) best = state.last;
  }
  return best;
};

/** Adds `part` (rows of one month file) to the file and its state. */
const writePart = (spec: SeriesSpec, plan: SeriesPlan, file: string, part: readonly SeriesRow[]): void => {
  const state = plan.states.get(file);
  addRows(file, spec.header, state, part);
  plan.states.set(
    file,
    state === undefined
      ? { first: part[0].t, last: part[part.length - 1].t, rows: part.length }
      : {
          first: Math.min(state.first, part[0].t),
          last: Math.max(state.last, part[part.length - 1].t),
          rows: state.rows + part.length,
        },
  );
};

/**
 * Writes one page's rows into their month files. Rows that extend a file at its end are written
 * now; rows that go before kept rows (a head fetched later) wait in `held` until their range is
 * done, so a file never holds a hole that a rerun would take for the exchange's own gap.
 */
const flushPage = (
  spec: SeriesSpec,
  plan: SeriesPlan,
  rows: readonly SeriesRow[],
  held: Map<string, SeriesRow[]>,
): void => {
  let at = 0;
  while (at < rows.length) {
    const month = monthTag(rows[at].t);
    let end = at;
    while (end < rows.length && monthTag(rows[end].t) === month) end++;
    const file = spec.fileOf(month);
    const part = rows.slice(at, end);
    const state = plan.states.get(file);
    if (state === undefined || part[0].t > state.last) writePart(spec, plan, file, part);
    else held.set(file, [...(held.get(file) ?? []), ...part]);
    at = end;
  }
};

/**
 * Pages through each range forward, flushing every page, and calls `onRows` with each page and
 * the range it belongs to (gaps are found there). Stops a range at an empty or short page.
 */
export const fetchSeries = async (
  spec: SeriesSpec,
  plan: SeriesPlan,
  onRows: (range: TimeRange, rows: readonly SeriesRow[] | undefined) => void,
): Promise<number> => {
  let added = 0;
  for (const range of plan.ranges) {
    let cursor = range.start;
    let previousT = knownBefore(plan, range.start);
    const held = new Map<string, SeriesRow[]>();
    while (cursor <= range.end) {
      const page = await spec.fetchPage(cursor, range.end, previousT);
      const rows = page.filter((row) => row.t >= cursor && row.t <= range.end);
      if (rows.length === 0) break;
      flushPage(spec, plan, rows, held);
      onRows(range, rows);
      added += rows.length;
      previousT = rows[rows.length - 1].t;
      cursor = previousT + spec.stepMs;
      if (page.length < spec.pageLimit) break;
    }
    for (const [file, part] of held) writePart(spec, plan, file, part);
    onRows(range, undefined);
  }
  return added;
};
