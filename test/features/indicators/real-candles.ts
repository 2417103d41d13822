// Test helper: reads the real AVAXUSDT 1m month (40,320 candles) with a tiny CSV parse, so the
// indicator tests do not depend on the stream readers. Returns undefined, printing a skip line,
// when the file is absent, and tests then register nothing.
import { readFileSync } from 'node:fs';
import { needSharedData, sharedData } from '../../shared-data.js';

export const AVAX_CSV = sharedData('klines/AVAXUSDT-1m-2026-02.csv');

export interface CandleColumns {
  readonly ts: number[];
  readonly open: number[];
  readonly high: number[];
  readonly low: number[];
  readonly close: number[];
  readonly volume: number[];
}

export const readCandleColumns = (path = AVAX_CSV): CandleColumns | undefined => {
  if (!needSharedData(path)) return undefined;
  const columns: CandleColumns = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const cells = line.split(',');
    if (cells.length < 7 || !/^\d+$/.test(cells[0])) continue;
    // ts = close_time + 1 ms (the instant the candle closed).
    columns.ts.push(Number(cells[6]) + 1);
    columns.open.push(Number(cells[1]));
    columns.high.push(Number(cells[2]));
    columns.low.push(Number(cells[3]));
    columns.close.push(Number(cells[4]));
    columns.volume.push(Number(cells[5]));
  }
  return columns;
};
