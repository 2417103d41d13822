/** One point of the equity curve (one per bar; the report downsamples for display). */
export interface EquityPoint {
  readonly ts: number;
  readonly equityUsdt: number;
  /** Wallet balance (realized only); optional because not every source knows it. */
  readonly walletUsdt?: number;
  /** Drawdown from the running equity peak, percent (0…100). */
  readonly drawdownPct: number;
}
