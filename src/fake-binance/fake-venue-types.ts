import type { Kline } from '../domain/index.js';
import type { AggTrade, BookTicker } from './fake-trade-tape.js';

export interface FakeSymbol {
  readonly symbol: string;
  readonly baseAsset: string;
  readonly tickSize: number;
  readonly stepSize: number;
  readonly minQty: number;
  readonly maxQty: number;
  /** MARKET orders' own maximum (Binance `MARKET_LOT_SIZE`); `maxQty` when absent. */
  readonly marketMaxQty?: number;
  readonly minNotional: number;
  /** Highest leverage `POST /fapi/v1/leverage` accepts (the first bracket's); 125 when absent. */
  readonly maxLeverage?: number;
  /** Hours between funding settlements; 8 when absent (Binance runs some symbols at 4 h or 1 h). */
  readonly fundingIntervalHours?: number;
}

export type Side = 'BUY' | 'SELL';
export type OrderStatus = 'NEW' | 'PARTIALLY_FILLED' | 'FILLED' | 'CANCELED' | 'REJECTED' | 'EXPIRED';
export type AlgoStatus =
  | 'NEW'
  | 'TRIGGERING'
  | 'TRIGGERED'
  | 'FINISHED'
  | 'CANCELED'
  | 'EXPIRED'
  | 'REJECTED';

export interface VenueOrder {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: 'MARKET' | 'LIMIT';
  /** The order type the user placed (a triggered STOP_MARKET becomes a MARKET order). */
  readonly origType: string;
  readonly timeInForce: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  readonly price: number;
  readonly stopPrice: number;
  readonly origQty: number;
  executedQty: number;
  cumQuote: number;
  status: OrderStatus;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly time: number;
  updateTime: number;
}

export interface AlgoOrder {
  readonly algoId: number;
  readonly clientAlgoId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly type: 'STOP_MARKET' | 'TAKE_PROFIT_MARKET' | 'TRAILING_STOP_MARKET';
  readonly quantity: number;
  readonly triggerPrice: number;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly activatePrice: number;
  readonly callbackRate: number;
  algoStatus: AlgoStatus;
  /** Trailing stops: whether activated, and the best price since. */
  trailingPeak: number;
  readonly createTime: number;
  updateTime: number;
  /** The MARKET order it became when triggered. */
  actualOrderId?: number;
}

export interface VenuePosition {
  readonly symbol: string;
  /** Signed: > 0 long, < 0 short. */
  amt: number;
  entryPrice: number;
  leverage: number;
  marginType: 'cross' | 'isolated';
  updateTime: number;
}

export interface VenueTrade {
  readonly id: number;
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: Side;
  readonly price: number;
  readonly qty: number;
  readonly quoteQty: number;
  readonly commission: number;
  readonly realizedPnl: number;
  readonly maker: boolean;
  readonly time: number;
}

export type IncomeType = 'TRANSFER' | 'REALIZED_PNL' | 'COMMISSION' | 'FUNDING_FEE';
export interface IncomeRecord {
  readonly tranId: number;
  readonly symbol: string;
  readonly incomeType: IncomeType;
  readonly income: number;
  readonly time: number;
  readonly tradeId: string;
  readonly info: string;
}

export interface FundingRecord {
  readonly symbol: string;
  readonly fundingTime: number;
  readonly fundingRate: number;
  readonly markPrice: number;
}

/** What the venue tells the user-data stream and the market streams. */
export type VenueUpdate =
  | {
      readonly kind: 'order';
      readonly order: VenueOrder;
      readonly trade?: VenueTrade;
      readonly execType: string;
    }
  | { readonly kind: 'algo'; readonly algo: AlgoOrder }
  | {
      readonly kind: 'account';
      readonly reason: 'ORDER' | 'FUNDING_FEE';
      readonly symbols: readonly string[];
    }
  | { readonly kind: 'kline'; readonly kline: Kline }
  | { readonly kind: 'tape'; readonly trades: readonly AggTrade[]; readonly books: readonly BookTicker[] };

export interface FakeVenueOptions {
  readonly symbols: readonly FakeSymbol[];
  /** Each symbol's candle path, ascending. */
  readonly path: ReadonlyMap<string, readonly Kline[]>;
  /** How many candles are already in the past at start (klines served, last price = their last close). */
  readonly revealed: number;
  readonly walletUsdt: number;
  readonly takerFeeRate: number;
  readonly makerFeeRate: number;
  readonly slippageBps: number;
  readonly defaultLeverage: number;
  /** Funding rate at each settlement instant (the symbol's interval) unless a candle carries `fundingRate`. */
  readonly fundingRate: number;
  /**
   * When a MARKET order fills: `immediate` (default) at the last price, as it arrives; `next-open`
   * at the next candle's open — the first trade after the candle that was last revealed, which is
   * what the simulator assumes, so a session on this venue and its backtest fill alike.
   */
  readonly marketFill?: 'immediate' | 'next-open';
}

/** A `POST /fapi/v1/order` request as the venue takes it. */
export interface PlaceOrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: 'MARKET' | 'LIMIT';
  readonly quantity: number;
  readonly price?: number;
  readonly timeInForce?: 'GTC' | 'IOC' | 'FOK' | 'GTX';
  readonly reduceOnly: boolean;
  readonly clientOrderId?: string;
}

/** A `POST /fapi/v1/algoOrder` (algoType CONDITIONAL) request as the venue takes it. */
export interface PlaceAlgoOrderRequest {
  readonly symbol: string;
  readonly side: Side;
  readonly type: AlgoOrder['type'];
  readonly quantity?: number;
  readonly triggerPrice?: number;
  readonly activatePrice?: number;
  readonly callbackRate?: number;
  readonly reduceOnly: boolean;
  readonly closePosition: boolean;
  readonly clientAlgoId?: string;
}
