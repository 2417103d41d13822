// The venue-rules part of `quantum data download` (binance-download.ts): exchangeInfo (which also
// checks the symbols asked for) and the signed leverage brackets, written in their REST shapes.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExchangeError, UsageError } from '../domain/index.js';
import type { BinanceClient } from '../exchange/binance-client.js';
import { VENUE_RULES_FILES } from '../exchange/venue-rules.js';
import { writeAtomically } from './binance-download-files.js';
import {
  exchangeInfoSchema,
  leverageBracketsSchema,
  parseResponse,
  type Requester,
} from './binance-download-requests.js';

/** Edit distance, for "did you mean". */
const distance = (a: string, b: string): number => {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++)
      next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
};

/** Refuses symbols the exchange does not list, naming each with the nearest listed ones. */
const checkSymbols = (symbols: readonly string[], listed: readonly string[], where: string): void => {
  const known = new Set(listed);
  const unknown = symbols.filter((symbol) => !known.has(symbol));
  if (unknown.length === 0) return;
  const named = unknown.map((symbol) => {
    const near = [...listed]
      .map((candidate) => ({ candidate, d: distance(symbol, candidate) }))
      .filter((x) => x.d <= 2)
      .sort((a, b) => a.d - b.d || (a.candidate < b.candidate ? -1 : 1))
      .slice(0, 3)
      .map((x) => x.candidate);
    return near.length === 0 ? symbol : `${symbol} (did you mean ${near.join(', ')}?)`;
  });
  throw new UsageError(
    `${named.join('; ')}: not ${unknown.length === 1 ? 'a symbol' : 'symbols'} of Binance USDⓈ-M at ${where} (its exchangeInfo lists ${listed.length}); use exchange ids such as BTCUSDT`,
  );
};

/** Fetches exchangeInfo (checks the symbols) and, with keys, the leverage brackets; writes both. */
export const downloadVenueRules = async (
  request: Requester,
  client: BinanceClient,
  symbols: readonly string[],
  dirs: readonly string[],
  notes: string[],
): Promise<string[]> => {
  const where = String((client.urls.api as Record<string, unknown>).fapiPublic ?? 'the server');
  const infoWhat = 'GET /fapi/v1/exchangeInfo';
  const info = await request(infoWhat, () => client.fapiPublicGetExchangeInfo());
  const parsed = parseResponse(exchangeInfoSchema, info, infoWhat);
  checkSymbols(
    symbols,
    parsed.symbols.map((s) => s.symbol),
    where.replace(/\/fapi\/v1$/, ''),
  );
  const written: string[] = [];
  const save = (file: string, body: unknown): void => {
    for (const dir of dirs) {
      mkdirSync(dir, { recursive: true });
      writeAtomically(join(dir, file), `${JSON.stringify(body, null, 2)}\n`);
      written.push(join(dir, file));
    }
  };
  save(VENUE_RULES_FILES.exchangeInfo, info);
  if (!client.apiKey || !client.secret) {
    notes.push(
      'leverage brackets skipped: GET /fapi/v1/leverageBracket is a signed endpoint; set BINANCE_API_KEY and BINANCE_API_SECRET (a read-only key is enough)',
    );
    return written;
  }
  const bracketsWhat = 'GET /fapi/v1/leverageBracket';
  try {
    const brackets = await request(bracketsWhat, () => client.fapiPrivateGetLeverageBracket());
    parseResponse(leverageBracketsSchema, brackets, bracketsWhat);
    save(VENUE_RULES_FILES.leverageBrackets, brackets);
  } catch (error) {
    if (!(error instanceof ExchangeError) || error.code !== 'QT_EXCHANGE_REFUSED') throw error;
    notes.push(`leverage brackets skipped: ${error.message}`);
  }
  return written;
};
