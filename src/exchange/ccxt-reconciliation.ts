import {
  DEFAULT_SYMBOL_FILTERS,
  type ExecutionResult,
  type OrderRequest,
  type PositionSide,
  type SymbolFilters,
  type VenueStatusEvent,
} from '../domain/index.js';
import { type BinanceClient, unifiedSymbol } from './binance-client.js';
import {
  filtersOfMarket,
  type HeldPosition,
  statusReportOf,
  type Tracked,
  trackedOf,
} from './ccxt-order-reports.js';
import { venueErrorOf } from './venue-errors.js';

/**
 * What connect reports (reconciliation): the account, open positions and open orders — plain and
 * conditional (Algo Order API) — as status events, plus the markets' filters and leverage brackets.
 */

/** What the exchange keeps of the venue's state, filled in by reconciliation. */
export interface VenueBook {
  readonly filters: Map<string, SymbolFilters>;
  readonly orders: Map<string, Tracked>;
  /** Venue order id → our client order id. */
  readonly byVenueId: Map<string, string>;
  readonly positions: Map<string, HeldPosition>;
  readonly leverage: Map<string, number>;
}

/** A venue call; its failure as our `ExchangeError`, naming what was asked. */
export const callVenue = async <T>(what: string, task: () => Promise<T>): Promise<T> => {
  try {
    return await task();
  } catch (error) {
    throw venueErrorOf(error, what);
  }
};

/** Markets (tick, step, min notional) and leverage brackets of the symbols, as `SymbolFilters`. */
export const loadSymbolFilters = async (
  client: BinanceClient,
  symbols: readonly string[],
  filters: Map<string, SymbolFilters>,
): Promise<void> => {
  await callVenue('load markets', () => client.loadMarkets());
  const brackets = await leverageBrackets(client);
  for (const symbol of symbols) {
    const market = client.markets_by_id?.[symbol]?.[0];
    if (market === undefined)
      throw venueErrorOf(new Error(`${symbol} is not a Binance USDⓈ-M market`), 'connect');
    const tier = brackets.get(symbol);
    filters.set(
      symbol,
      filtersOfMarket(
        market.info as { filters?: Record<string, unknown>[] },
        tier?.maintMarginRatio ?? DEFAULT_SYMBOL_FILTERS.maintenanceMarginRate,
        tier?.initialLeverage ?? DEFAULT_SYMBOL_FILTERS.maxLeverage,
      ),
    );
  }
};

/** The account, open positions and open orders as reconciliation reports (adopted into `book`). */
export const reconcile = async (
  client: BinanceClient,
  symbols: readonly string[],
  ts: number,
  book: VenueBook,
): Promise<VenueStatusEvent[]> => {
  const reports: VenueStatusEvent[] = [];
  const account = (await callVenue('fetch balance', () => client.fetchBalance())) as {
    info?: Record<string, unknown>;
  };
  reports.push({
    kind: 'account-status-report',
    ts,
    walletUsdt: Number(account.info?.totalWalletBalance ?? 0),
    reconciliation: true,
  });
  const unified = symbols.map((s) => unifiedSymbol(client, s));
  const positions = (await callVenue('fetch positions', () => client.fetchPositions(unified))) as {
    info: Record<string, string>;
  }[];
  for (const { info } of positions) {
    const amt = Number(info.positionAmt);
    if (!(amt !== 0) || !book.filters.has(info.symbol)) continue;
    const side: PositionSide = amt > 0 ? 'LONG' : 'SHORT';
    const leverage = Number(info.leverage) || 1;
    const qty = Math.abs(amt);
    const entryPrice = Number(info.entryPrice);
    const markPrice = Number(info.markPrice) || entryPrice;
    const openedTs = Number(info.updateTime) || ts;
    const intentId = `adopted:${info.symbol}:${openedTs}`;
    book.leverage.set(info.symbol, leverage);
    book.positions.set(info.symbol, {
      side,
      qty,
      entryPrice,
      leverage,
      marginUsdt: (qty * entryPrice) / leverage,
      openedTs,
      intentId,
      markPrice,
    });
    reports.push({
      kind: 'position-status-report',
      symbol: info.symbol,
      ts,
      side,
      qty,
      entryPrice,
      leverage,
      markPrice,
      openedTs,
      intentId,
      reconciliation: true,
    });
  }
  let orders = 0;
  for (const symbol of symbols) {
    for (const report of await openOrderReports(client, symbol, ts, book)) {
      orders++;
      reports.push(report);
    }
  }
  reports.push({
    kind: 'reconciliation-completed',
    ts,
    positions: reports.filter((r) => r.kind === 'position-status-report').length,
    orders,
  });
  return reports;
};

const leverageBrackets = async (
  client: BinanceClient,
): Promise<Map<string, { maintMarginRatio: number; initialLeverage: number }>> => {
  const first = new Map<string, { maintMarginRatio: number; initialLeverage: number }>();
  const rows = (await callVenue('leverage brackets', () => client.fapiPrivateGetLeverageBracket({}))) as {
    symbol: string;
    brackets: { maintMarginRatio: number | string; initialLeverage: number | string }[];
  }[];
  for (const row of rows) {
    const tier = row.brackets?.[0];
    if (tier !== undefined)
      first.set(row.symbol, {
        maintMarginRatio: Number(tier.maintMarginRatio),
        initialLeverage: Number(tier.initialLeverage),
      });
  }
  return first;
};

/** A symbol's open plain and conditional orders as reconciliation reports (adopted as ours). */
const openOrderReports = async (
  client: BinanceClient,
  symbol: string,
  ts: number,
  book: VenueBook,
): Promise<ExecutionResult[]> => {
  const plain = (await callVenue('open orders', () => client.fapiPrivateGetOpenOrders({ symbol }))) as Record<
    string,
    string
  >[];
  const algo = (await callVenue('open algo orders', () =>
    client.fapiPrivateGetOpenAlgoOrders({ symbol }),
  )) as Record<string, string>[];
  const reports: ExecutionResult[] = [];
  const position = book.positions.get(symbol);
  const positionSide: PositionSide = position?.side ?? 'LONG';
  const adopt = (
    clientOrderId: string,
    type: OrderRequest['type'],
    side: 'BUY' | 'SELL',
    qty: number,
    reduceOnly: boolean,
    prices: { price?: number; stopPrice?: number },
    venueId: string,
    isAlgo: boolean,
  ): void => {
    const purpose =
      type === 'STOP_MARKET'
        ? 'STOP_LOSS'
        : type === 'TAKE_PROFIT_MARKET'
          ? 'TAKE_PROFIT'
          : reduceOnly
            ? 'EXIT'
            : 'ENTRY';
    const request: OrderRequest = {
      kind: 'order-request',
      clientOrderId,
      intentId: position?.intentId ?? `adopted:${symbol}:${clientOrderId}`,
      symbol,
      ts,
      side,
      type,
      qty: qty > 0 ? qty : (position?.qty ?? 0) || 1,
      reduceOnly,
      purpose,
      positionSide,
      ...prices,
    };
    const tracked = trackedOf(request, true);
    if (isAlgo) tracked.algoId = venueId;
    else {
      tracked.venueOrderId = venueId;
      book.byVenueId.set(venueId, clientOrderId);
    }
    book.orders.set(clientOrderId, tracked);
    reports.push({ ...statusReportOf(tracked, ts, []), positionSide, ...prices, reconciliation: true });
  };
  for (const o of plain) {
    const type = o.type === 'LIMIT' ? 'LIMIT' : 'MARKET';
    adopt(
      o.clientOrderId,
      type,
      o.side as 'BUY' | 'SELL',
      Number(o.origQty),
      String(o.reduceOnly) === 'true',
      type === 'LIMIT' ? { price: Number(o.price) } : {},
      String(o.orderId),
      false,
    );
  }
  for (const a of algo) {
    const type =
      a.orderType === 'TAKE_PROFIT_MARKET' || a.orderType === 'TAKE_PROFIT'
        ? 'TAKE_PROFIT_MARKET'
        : 'STOP_MARKET';
    const reduceOnly = String(a.reduceOnly) === 'true' || String(a.closePosition) === 'true';
    adopt(
      a.clientAlgoId,
      type,
      a.side as 'BUY' | 'SELL',
      Number(a.quantity),
      reduceOnly,
      { stopPrice: Number(a.triggerPrice) },
      String(a.algoId),
      true,
    );
  }
  return reports;
};

/**
 * Clock-skew check against Binance's server time: a signed request carries our timestamp, and one
 * more than `recvWindow` behind (or 1 s ahead of) the server's is refused (-1021). A skew over
 * 500 ms is reported and corrected: ccxt signs with server time from then on.
 */
export const syncClock = async (
  client: BinanceClient,
  onWarning: ((message: string) => void) | undefined,
): Promise<void> => {
  const offset = await callVenue('server time', () => client.loadTimeDifference());
  if (Math.abs(offset) > 500) {
    onWarning?.(
      `clock: this machine is ${Math.abs(offset)} ms ${offset > 0 ? 'ahead of' : 'behind'} Binance's server time; signing with server time (run NTP)`,
    );
  } else {
    (client.options as Record<string, unknown>).timeDifference = 0;
  }
};
