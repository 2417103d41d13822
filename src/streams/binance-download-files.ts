// The month files of `quantum data download` (binance-download.ts): reading one back (a torn last
// line cut off) and adding rows to it, always through a temp file and a rename.
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { DataError } from '../domain/index.js';

/** `2026-02` of a time (UTC). */
export const monthTag = (ts: number): string => new Date(ts).toISOString().slice(0, 7);
export const monthStart = (ts: number): number => {
  const date = new Date(ts);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
};
export const nextMonthStart = (ts: number): number => {
  const date = new Date(ts);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
};

/** What a month file already holds: its first and last row times (ms). */
export interface FileState {
  first: number;
  last: number;
  rows: number;
}

/** One row of a series file: its time (open time or funding time) and its CSV text. */
export interface SeriesRow {
  readonly t: number;
  readonly line: string;
}

const isDataLine = (line: string): boolean => /^\d/.test(line);
const timeOf = (line: string, file: string, lineNo: number): number => {
  const t = Number(line.slice(0, line.indexOf(',')));
  if (!Number.isSafeInteger(t) || t > 1e14) {
    throw new DataError(
      `${file}:${lineNo}: cannot resume after "${line.slice(0, 40)}": expected a time in ms; move the file away to download its month again`,
      `${file}:${lineNo}`,
    );
  }
  return t;
};

/** Writes `text` to `path` through a temp file and a rename: a reader never sees half a file. */
export const writeAtomically = (path: string, text: string): void => {
  const temp = `${path}.partial`;
  writeFileSync(temp, text);
  renameSync(temp, path);
};

/**
 * Reads back a month file: cuts a torn last line (a run killed mid-write, or a copy cut short) and
 * returns its first/last times, or undefined when it has no row. `repaired` hears of each cut.
 */
export const readFileState = (path: string, repaired: (note: string) => void): FileState | undefined => {
  rmSync(`${path}.partial`, { force: true });
  if (!existsSync(path)) return undefined;
  let text = readFileSync(path, 'utf8');
  if (text.length > 0 && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    repaired(`${path}: cut a torn last line (${text.length - keep} bytes) left by an interrupted run`);
    text = text.slice(0, keep);
    writeAtomically(path, text);
  }
  const lines = text.split('\n');
  let firstLine = -1;
  let lastLine = -1;
  let rows = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!isDataLine(lines[i])) continue;
    if (firstLine < 0) firstLine = i;
    lastLine = i;
    rows++;
  }
  if (firstLine < 0) return undefined;
  const first = timeOf(lines[firstLine], path, firstLine + 1);
  const last = timeOf(lines[lastLine], path, lastLine + 1);
  if (last < first) {
    throw new DataError(
      `${path}:${lastLine + 1}: the last row is older than the first; move the file away to download its month again`,
      path,
    );
  }
  return { first, last, rows };
};

/**
 * Adds rows to a month file: after its last row (copy + append, the common case), between rows
 * already there (a head fetched later: rewrite), or as a new file with `header`; always through a
 * temp file and a rename. Rows that would interleave with kept ones are refused, never merged.
 */
export const addRows = (
  path: string,
  header: string,
  state: FileState | undefined,
  rows: readonly SeriesRow[],
) => {
  const text = `${rows.map((row) => row.line).join('\n')}\n`;
  const temp = `${path}.partial`;
  if (state === undefined) {
    writeFileSync(temp, `${header}\n${text}`);
  } else if (rows[0].t > state.last) {
    copyFileSync(path, temp);
    appendFileSync(temp, text);
  } else {
    writeFileSync(temp, insertRows(readFileSync(path, 'utf8'), rows, text, path));
  }
  renameSync(temp, path);
};

/** `existing` with `text` (the lines of `rows`) inserted before the first kept row after them. */
const insertRows = (existing: string, rows: readonly SeriesRow[], text: string, path: string): string => {
  const first = rows[0].t;
  const last = rows[rows.length - 1].t;
  let at = 0;
  let lineNo = 0;
  while (at < existing.length) {
    lineNo++;
    const end = existing.indexOf('\n', at) + 1 || existing.length;
    const line = existing.slice(at, end);
    if (isDataLine(line)) {
      const t = timeOf(line, path, lineNo);
      if (t > last) break;
      if (t >= first)
        throw new DataError(`${path}:${lineNo}: new rows would overlap the rows already there`, path);
    }
    at = end;
  }
  return existing.slice(0, at) + text + existing.slice(at);
};
