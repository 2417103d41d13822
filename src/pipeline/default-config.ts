/**
 * The pipeline `quantum backtest` runs when no `--config` is given (also `examples/default.yaml`,
 * kept equal by a test). It reads like the trading idea: three correlated synthetic perpetuals,
 * a trend model and a momentum model voting, fixed-fraction sizing with a stop and a target,
 * the risk gates on their defaults, and Binance-like fees, slippage and funding.
 */
export const DEFAULT_CONFIG_YAML = `# Quantum default pipeline: a backtest over a seeded synthetic market.
name: default
description: EMA trend + RSI and MACD + ADX vote; fixed-fraction sizing; Binance-like costs.
seed: 42

data:
  source: synthetic          # or: files (with path: a Binance kline CSV, freqtrade JSON, or a folder)
  policy: skip               # bad rows are skipped and reported as dead letters; "fail" stops at file:line
  synthetic:
    count: 43200             # 30 days of 1m candles per symbol
    interval: 1m

features:
  - ema_12
  - ema_26
  - rsi_14
  - macd_12_26_9
  - macd_signal_12_26_9
  - macd_hist_12_26_9
  - atr_14
  - natr_14
  - adx_14
  - plus_di_14
  - minus_di_14
  - bb_upper_20_2
  - bb_middle_20_2
  - bb_lower_20_2
  - roc_10
  - logret_1
  - rvol_20
  - volz_20

models:
  - type: ema-rsi            # EMA 12/26 trend, RSI band filter
    weight: 1
  - type: macd-adx           # MACD histogram direction when ADX says trend
    weight: 1

ensemble:
  minConfidence: 0.5         # weighted vote below this is HOLD

regime:
  enabled: false             # per-symbol regime (TRENDING_UP/DOWN, RANGING, VOLATILE); when on,
                             # strategy.regimeSides and sizing.regimeScale act per regime

universe:
  enabled: false             # Universe OS: new entries only on the top-N symbols by 24 h quote volume
                             # (spread, volatility, funding and listing-age rules), refreshed hourly;
                             # open positions on a symbol that leaves are still managed to their exit

strategy:
  minConfidence: 0.6         # open a position only on a confident vote
  allowShort: true

sizing:
  method: fixed-fraction     # post 10% of equity as margin at 3x; or atr-stop (riskPct, atrMultiplier)
  fraction: 0.1
  leverage: 3
  stopLossPct: 1.5
  takeProfitPct: 3

pil:
  enabled: false             # position intelligence: each open position LEADING, LAGGING, NEUTRAL or
                             # AT_RISK (unrealized R, momentum, time held), with a recommendation event

balancer:
  enabled: false             # portfolio balancing between sizing and risk: per-symbol, net and
                             # correlated exposure caps (× equity); entries shrunk or refused

risk:
  maxLeverage: 5
  maxOpenPositions: 3
  maxGrossExposure: 3
  cooldownMs: 661000         # 661 s of event time per symbol after an entry or exit
  dailyLossPct: 5
  maxDrawdownPct: 20         # kill switch: stop entries and flatten

pal:
  enabled: false             # profit amplification: a partial take-profit resting at the venue and
                             # scale-ins on leading positions (break-even and trailing: monitor)

monitor:
  breakEvenAtR: 1
  trailingActivationR: 1.5
  trailingDistancePct: 1
  maxHoldMs: 86400000        # time exit after 24 h

aelm:
  enabled: false             # smart execution: post-only LIMIT or MARKET by spread, volatility and urgency,
                             # a slippage guard (shrink or refuse), TWAP slices of large orders, retries

exchange:
  venue: sim                 # the simulated Binance USDT-M venue (backtest, paper); binance is next
  initialBalanceUsdt: 10000
  takerFeeRate: 0.0005
  makerFeeRate: 0.0002
  latencyMs: 100
  slippage:
    model: fixed-bps
    bps: 2
  intrabarPolicy: worst      # stop fills first when stop and target are both inside one candle

output:
  dir: reports/latest
  timeZone: UTC
`;
