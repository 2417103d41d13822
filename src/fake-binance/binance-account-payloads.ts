import { money, priceText, qtyText } from './binance-number-text.js';
import type { FakeVenue, VenuePosition } from './fake-venue.js';

/**
 * Account payloads in Binance USDⓈ-M's JSON shapes: position risk, account and balance REST
 * bodies, and the user-data `ACCOUNT_UPDATE` event (single-asset USDT mode).
 */

/** `GET /fapi/v2|v3/positionRisk` row. */
export const positionRiskBody = (venue: FakeVenue, position: VenuePosition): object => {
  const spec = venue.symbolOf(position.symbol);
  const mark = venue.priceOf(position.symbol);
  const notional = position.amt * mark;
  const margin = Math.abs(notional) / position.leverage;
  return {
    symbol: position.symbol,
    positionSide: 'BOTH',
    positionAmt: qtyText(spec, position.amt),
    entryPrice: priceText(spec, position.entryPrice),
    breakEvenPrice: priceText(spec, position.entryPrice),
    markPrice: priceText(spec, mark),
    unRealizedProfit: money(venue.unrealized(position)),
    liquidationPrice: '0',
    isolatedMargin: position.marginType === 'isolated' ? money(margin + venue.unrealized(position)) : '0',
    notional: money(notional),
    marginAsset: 'USDT',
    isolatedWallet: position.marginType === 'isolated' ? money(margin) : '0',
    initialMargin: money(margin),
    maintMargin: money(Math.abs(notional) * 0.004),
    positionInitialMargin: money(margin),
    openOrderInitialMargin: '0',
    adl: 0,
    bidNotional: '0',
    askNotional: '0',
    leverage: String(position.leverage),
    marginType: position.marginType,
    isAutoAddMargin: 'false',
    maxNotionalValue: '1000000',
    updateTime: position.updateTime,
  };
};

/** `GET /fapi/v2|v3/account` body (single-asset USDT mode). */
export const accountBody = (venue: FakeVenue, version: 2 | 3): object => {
  const unrealized = venue.totalUnrealized();
  const positionMargin = venue.positionMargin();
  const orderMargin = venue.orderMargin();
  const available = venue.availableBalance();
  const totals = {
    totalInitialMargin: money(positionMargin + orderMargin),
    totalMaintMargin: money(positionMargin * 0.1),
    totalWalletBalance: money(venue.wallet),
    totalUnrealizedProfit: money(unrealized),
    totalMarginBalance: money(venue.wallet + unrealized),
    totalPositionInitialMargin: money(positionMargin),
    totalOpenOrderInitialMargin: money(orderMargin),
    totalCrossWalletBalance: money(venue.wallet),
    totalCrossUnPnl: money(unrealized),
    availableBalance: money(available),
    maxWithdrawAmount: money(Math.max(0, available)),
  };
  const asset = {
    asset: 'USDT',
    walletBalance: money(venue.wallet),
    unrealizedProfit: money(unrealized),
    marginBalance: money(venue.wallet + unrealized),
    maintMargin: totals.totalMaintMargin,
    initialMargin: totals.totalInitialMargin,
    positionInitialMargin: totals.totalPositionInitialMargin,
    openOrderInitialMargin: totals.totalOpenOrderInitialMargin,
    crossWalletBalance: money(venue.wallet),
    crossUnPnl: money(unrealized),
    availableBalance: money(available),
    maxWithdrawAmount: totals.maxWithdrawAmount,
    marginAvailable: true,
    updateTime: venue.time(),
  };
  const positions = [...venue.positions.values()].map((p) => {
    const row = positionRiskBody(venue, p) as Record<string, unknown>;
    return version === 3
      ? {
          symbol: row.symbol,
          positionSide: 'BOTH',
          positionAmt: row.positionAmt,
          unrealizedProfit: row.unRealizedProfit,
          isolatedMargin: row.isolatedMargin,
          notional: row.notional,
          isolatedWallet: row.isolatedWallet,
          initialMargin: row.initialMargin,
          maintMargin: row.maintMargin,
          updateTime: p.updateTime,
        }
      : {
          symbol: row.symbol,
          initialMargin: row.initialMargin,
          maintMargin: row.maintMargin,
          unrealizedProfit: row.unRealizedProfit,
          positionInitialMargin: row.positionInitialMargin,
          openOrderInitialMargin: row.openOrderInitialMargin,
          leverage: row.leverage,
          isolated: p.marginType === 'isolated',
          entryPrice: row.entryPrice,
          breakEvenPrice: row.breakEvenPrice,
          maxNotional: row.maxNotionalValue,
          bidNotional: row.bidNotional,
          askNotional: row.askNotional,
          positionSide: 'BOTH',
          positionAmt: row.positionAmt,
          updateTime: p.updateTime,
        };
  });
  return version === 3
    ? { ...totals, assets: [asset], positions }
    : {
        feeTier: 0,
        feeBurn: false,
        canDeposit: true,
        canTrade: true,
        canWithdraw: true,
        updateTime: 0,
        multiAssetsMargin: false,
        tradeGroupId: -1,
        ...totals,
        assets: [asset],
        positions,
      };
};

/** `GET /fapi/v2|v3/balance` row. */
export const balanceBody = (venue: FakeVenue): object[] => [
  {
    accountAlias: 'SgsR',
    asset: 'USDT',
    balance: money(venue.wallet),
    crossWalletBalance: money(venue.wallet),
    crossUnPnl: money(venue.totalUnrealized()),
    availableBalance: money(venue.availableBalance()),
    maxWithdrawAmount: money(Math.max(0, venue.availableBalance())),
    marginAvailable: true,
    updateTime: venue.time(),
  },
];

/** User-data `ACCOUNT_UPDATE` event for the symbols that changed. */
export const accountUpdate = (venue: FakeVenue, reason: string, symbols: readonly string[]): object => ({
  e: 'ACCOUNT_UPDATE',
  T: venue.time(),
  E: venue.time(),
  a: {
    m: reason,
    B: [{ a: 'USDT', wb: money(venue.wallet), cw: money(venue.wallet), bc: '0' }],
    P: symbols.map((symbol) => {
      const spec = venue.symbolOf(symbol);
      const p = venue.positions.get(symbol);
      return {
        s: symbol,
        pa: qtyText(spec, p?.amt ?? 0),
        ep: priceText(spec, p?.entryPrice ?? 0),
        bep: priceText(spec, p?.entryPrice ?? 0),
        cr: '0',
        up: money(p === undefined ? 0 : venue.unrealized(p)),
        mt: venue.marginTypeOf(symbol),
        iw: '0',
        ps: 'BOTH',
      };
    }),
  },
});
