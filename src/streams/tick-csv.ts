import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DataError, SymbolId, type Tick } from '../domain/index.js';
import { createIssueLog, type DataIssue, dataPolicy } from './data-quality.js';
import { metaFromFileName } from './series-meta.js';

export const tickCsvOptions = z
  .object({
    /** Exchange id; inferred from the file name (`ETHUSDT-trades-2023-02-02.csv`) when absent. */
    symbol: SymbolId.optional(),
    policy: dataPolicy,
  })
  .strict();
export type TickCsvOptions = z.output<typeof tickCsvOptions>;

/** Ticks read from one file, in file order, and the issues. */
export interface TickFileResult {
  readonly file: string;
  readonly symbol: string;
  readonly ticks: Tick[];
  readonly issues: DataIssue[];
}

/** Where each field sits in a row, per known layout. `side` is either a taker side or `is_buyer_maker`. */
interface TickLayout {
  readonly name: string;
  readonly columns: number;
  readonly ts: number;
  readonly id: number;
  readonly price: number;
  readonly qty: number;
  readonly side: number;
  readonly sideIsBuyerMaker: boolean;
}

const LAYOUTS: readonly TickLayout[] = [
  // freqtrade / our own: timestamp_ms,id,side,price,amount
  {
    name: 'timestamp_ms,id,side,price,amount',
    columns: 5,
    ts: 0,
    id: 1,
    price: 3,
    qty: 4,
    side: 2,
    sideIsBuyerMaker: false,
  },
  // data.binance.vision trades: id,price,qty,quote_qty,time,is_buyer_maker
  {
    name: 'id,price,qty,quote_qty,time,is_buyer_maker',
    columns: 6,
    ts: 4,
    id: 0,
    price: 1,
    qty: 2,
    side: 5,
    sideIsBuyerMaker: true,
  },
  // data.binance.vision aggTrades: agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker
  {
    name: 'agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker',
    columns: 7,
    ts: 5,
    id: 0,
    price: 1,
    qty: 2,
    side: 6,
    sideIsBuyerMaker: true,
  },
];

/**
 * Parses a trades CSV into domain ticks. Layouts (told by the header, or by the column count
 * when there is none): `timestamp_ms,id,side,price,amount` (side = taker side, `buy`/`sell`),
 * Binance's `id,price,qty,quote_qty,time,is_buyer_maker` and aggTrades (a buyer-maker trade is
 * a taker SELL). Times in ms or µs. A row with a bad number, a side that is neither, a
 * non-positive price or qty, an earlier ts than the previous row (`out-of-order`) or the previous
 * row's id (`duplicate`) is an issue handled by `options.policy` (data-quality.ts).
 */
export const parseTickCsv = (
  text: string,
  file: string,
  options: z.input<typeof tickCsvOptions> = {},
): TickFileResult => {
  const opts = tickCsvOptions.parse(options);
  const log = createIssueLog(file, opts.policy);
  const symbol = opts.symbol ?? metaFromFileName(file).symbol;
  if (symbol === undefined || !SymbolId.safeParse(symbol).success) {
    throw new DataError(
      `${file}:0: cannot tell the symbol from the file name; pass options.symbol`,
      `${file}:0`,
    );
  }
  const lines = text.split('\n');
  const firstFields = (lines[0] ?? '').trim().split(',');
  const hasHeader =
    firstFields.length > 0 && !Number.isFinite(Number(firstFields[0])) && firstFields[0] !== '';
  const headerText = firstFields.join(',').toLowerCase();
  const layout = hasHeader
    ? LAYOUTS.find((l) => l.name === headerText)
    : LAYOUTS.find((l) => l.columns === firstFields.length);
  if (layout === undefined) {
    throw new DataError(
      `${file}:1: unknown trades layout "${headerText}"; expected one of: ${LAYOUTS.map((l) => l.name).join(' | ')}`,
      `${file}:1`,
    );
  }
  const ticks: Tick[] = [];
  let lastTs = -1;
  let lastId = '';
  let lastLine = 0;
  for (let i = hasHeader ? 1 : 0; i < lines.length; i++) {
    const lineText = lines[i].trim();
    if (lineText === '') continue;
    const lineNo = i + 1;
    const fields = lineText.split(',');
    if (fields.length < layout.columns) {
      log.report(
        lineNo,
        'missing-column',
        `expected ${layout.columns} columns (${layout.name}), found ${fields.length}`,
      );
      continue;
    }
    const rawTs = fields[layout.ts] === '' ? Number.NaN : Number(fields[layout.ts]);
    const price = fields[layout.price] === '' ? Number.NaN : Number(fields[layout.price]);
    const qty = fields[layout.qty] === '' ? Number.NaN : Number(fields[layout.qty]);
    const sideText = fields[layout.side].toLowerCase();
    if (!(rawTs >= 0 && rawTs < Number.POSITIVE_INFINITY)) {
      log.report(
        lineNo,
        'invalid-number',
        `timestamp is "${fields[layout.ts]}", expected ms since the epoch`,
      );
      continue;
    }
    if (!(price > 0 && price < Number.POSITIVE_INFINITY)) {
      const kind = price <= 0 ? 'non-positive-price' : 'invalid-number';
      log.report(lineNo, kind, `price is "${fields[layout.price]}", expected a positive number`);
      continue;
    }
    if (!(qty > 0 && qty < Number.POSITIVE_INFINITY)) {
      log.report(lineNo, 'invalid-number', `qty is "${fields[layout.qty]}", expected a positive number`);
      continue;
    }
    let side: 'BUY' | 'SELL';
    if (layout.sideIsBuyerMaker) {
      if (sideText !== 'true' && sideText !== 'false') {
        log.report(
          lineNo,
          'invalid-number',
          `is_buyer_maker is "${fields[layout.side]}", expected true or false`,
        );
        continue;
      }
      side = sideText === 'true' ? 'SELL' : 'BUY';
    } else {
      if (sideText !== 'buy' && sideText !== 'sell') {
        log.report(lineNo, 'invalid-number', `side is "${fields[layout.side]}", expected buy or sell`);
        continue;
      }
      side = sideText === 'buy' ? 'BUY' : 'SELL';
    }
    const ts = rawTs > 1e14 ? Math.floor(rawTs / 1000) : rawTs;
    const tradeId = fields[layout.id];
    if (ts < lastTs) {
      log.report(
        lineNo,
        'out-of-order',
        `ts ${ts} is before the previous trade's ${lastTs} (line ${lastLine})`,
      );
      continue;
    }
    if (tradeId === lastId) {
      log.report(lineNo, 'duplicate', `trade id ${tradeId} repeats line ${lastLine}`);
      continue;
    }
    lastTs = ts;
    lastId = tradeId;
    lastLine = lineNo;
    ticks.push({ kind: 'tick', symbol, ts, price, qty, side, tradeId });
  }
  return { file, symbol, ticks, issues: log.issues };
};

/** Reads a trades CSV file into ticks; see `parseTickCsv`. */
export const readTickCsv = (path: string, options: z.input<typeof tickCsvOptions> = {}): TickFileResult =>
  parseTickCsv(readFileSync(path, 'utf8'), path, options);
