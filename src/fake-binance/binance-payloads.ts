/**
 * The fake venue's state in Binance USDⓈ-M's JSON shapes (REST bodies and websocket events),
 * copied field by field from the real payloads in `../shared/data/binance/futures/`. Binance
 * sends prices and quantities as decimal strings with the symbol's precision.
 *
 * One module per payload family — market data, orders, account — re-exported here so importers
 * need not know which holds what.
 */

export { accountBody, accountUpdate, balanceBody, positionRiskBody } from './binance-account-payloads.js';
export { exchangeInfoBody, klineEvent, klineRow, markPriceEvent } from './binance-market-payloads.js';
export { decimalsOf, priceText, qtyText } from './binance-number-text.js';
export {
  algoOrderBody,
  algoUpdate,
  orderBody,
  orderTradeUpdate,
  tradeBody,
} from './binance-order-payloads.js';
