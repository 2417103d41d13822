import { z } from 'zod';
import type { Action, ModelScore } from '../domain/index.js';
import type { ModelBatch } from './predict.js';

export const modelScoreboardParams = z
  .object({
    /**
     * Candles after the vote at which it is judged: a vote at candle t meets the close of candle
     * t + horizon. Defaults as `training.label`, so recent accuracy compares with a trained model's.
     */
    horizon: z.number().int().min(1).max(10_000).default(4),
    /** Forward return (percent) strictly above which the right call was BUY, strictly below minus it SELL; else HOLD. */
    thresholdPct: z.number().finite().nonnegative().default(0.3),
    /** Resolved (and cast) votes per model that the recent accuracy, the weighting and the supervisor read. */
    window: z.number().int().min(10).max(100_000).default(200),
  })
  .strict();
export type ModelScoreboardParams = z.output<typeof modelScoreboardParams>;

/** Action codes: BUY, SELL, HOLD → 0, 1, 2; an abstention is −1. */
const codeOf = (action: Action | null): number =>
  action === null ? -1 : action === 'BUY' ? 0 : action === 'SELL' ? 1 : 2;

/**
 * The realized class of a forward return (fraction, not percent): strictly beyond ±`thresholdPct` %
 * is BUY or SELL, else HOLD (inclusive) — the training labels' rule (src/training/labels.ts).
 */
export const realizedClass = (forwardReturn: number, thresholdPct: number): Action => {
  const threshold = thresholdPct / 100;
  if (forwardReturn > threshold) return 'BUY';
  if (forwardReturn < -threshold) return 'SELL';
  return 'HOLD';
};

/**
 * Cohen's kappa of a 3×3 confusion matrix (`confusion[vote × 3 + realized]`): accuracy corrected
 * for the agreement a model would reach by chance with its own vote shares against the realized
 * class shares, (p_o − p_e) / (1 − p_e). A model that always votes the majority class, or votes at
 * random, scores 0; a perfect one 1; worse than chance is negative. 0 without votes or when p_e = 1.
 */
export const cohenKappa = (confusion: ArrayLike<number>): number => {
  let total = 0;
  let agree = 0;
  for (let i = 0; i < 9; i++) total += confusion[i];
  if (total === 0) return 0;
  for (let c = 0; c < 3; c++) agree += confusion[c * 4];
  let chance = 0;
  for (let c = 0; c < 3; c++) {
    const voted = confusion[c * 3] + confusion[c * 3 + 1] + confusion[c * 3 + 2];
    const realized = confusion[c] + confusion[3 + c] + confusion[6 + c];
    chance += (voted / total) * (realized / total);
  }
  if (chance >= 1) return 0;
  return (agree / total - chance) / (1 - chance);
};

/** How many of the last `window` codes (0 … `codes` − 1) were each code: a ring and its counts. */
class RollingCounts {
  readonly counts: Float64Array;
  private readonly ring: Uint8Array;
  private head = 0;
  /** Codes inside the window. */
  size = 0;

  constructor(codes: number, window: number) {
    this.counts = new Float64Array(codes);
    this.ring = new Uint8Array(window);
  }

  add(code: number): void {
    const ring = this.ring;
    if (this.size === ring.length) this.counts[ring[this.head]]--;
    else this.size++;
    ring[this.head] = code;
    this.counts[code]++;
    this.head = (this.head + 1) % ring.length;
  }
}

/** One model's record: cumulative counts, and its last `window` resolved and cast votes. */
class ModelRecord {
  /** Votes cast by action code, abstentions at index 3. */
  readonly votes = new Float64Array(4);
  /** Resolved votes, cumulative: [vote × 3 + realized]. */
  readonly confusion = new Float64Array(9);
  /** The last `window` resolved votes (vote × 3 + realized). */
  private readonly recentResolvedVotes: RollingCounts;
  /** The last `window` non-abstaining votes, by action code. */
  private readonly recentCastVotes: RollingCounts;

  constructor(
    readonly name: string,
    window: number,
  ) {
    this.recentResolvedVotes = new RollingCounts(9, window);
    this.recentCastVotes = new RollingCounts(3, window);
  }

  /** Resolved votes over the window: [vote × 3 + realized]. */
  get recentConfusion(): Float64Array {
    return this.recentResolvedVotes.counts;
  }

  /** Non-abstaining votes by action over the window. */
  get recentCast(): Float64Array {
    return this.recentCastVotes.counts;
  }

  cast(code: number): void {
    if (code < 0) {
      this.votes[3]++;
      return;
    }
    this.votes[code]++;
    this.recentCastVotes.add(code);
  }

  resolve(vote: number, realized: number): void {
    const cell = vote * 3 + realized;
    this.confusion[cell]++;
    this.recentResolvedVotes.add(cell);
  }

  /** Resolved votes inside the window. */
  get recentResolved(): number {
    return this.recentResolvedVotes.size;
  }

  /** Cast (non-abstaining) votes inside the window. */
  get recentCastCount(): number {
    return this.recentCastVotes.size;
  }
}

/** A symbol's votes waiting for their horizon, oldest first. */
interface SymbolBook {
  /** Closed candles seen. */
  candles: number;
  readonly pending: { readonly candle: number; readonly close: number; readonly codes: Int8Array }[];
  /** Index of the oldest unresolved entry in `pending` (the array is compacted now and then). */
  head: number;
}

const hitsOf = (confusion: ArrayLike<number>): number => confusion[0] + confusion[4] + confusion[8];
const totalOf = (confusion: ArrayLike<number>): number => {
  let total = 0;
  for (let i = 0; i < 9; i++) total += confusion[i];
  return total;
};
const shareOrNull = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/**
 * Every model's record against realized outcomes (issue #17 items 6 and 7), in event time only:
 * `observe` each closed candle of a symbol (it resolves that symbol's votes cast `horizon` candles
 * earlier: the forward close-to-close return against `thresholdPct` gives the right class, BUY,
 * SELL or HOLD), then `record` the batch of votes cast on that candle. Counting candles per symbol
 * (not time) keeps a gap in the data from resolving a vote early; state is per symbol in a `Map`,
 * and nothing depends on the order symbols interleave, so two runs of one input agree exactly.
 * Abstentions are counted but never resolved. Votes still pending at the end stay unresolved.
 */
export class ModelScoreboard {
  readonly records: readonly ModelRecord[];
  private readonly books = new Map<string, SymbolBook>();

  constructor(
    readonly modelNames: readonly string[],
    readonly params: ModelScoreboardParams,
  ) {
    this.records = modelNames.map((name) => new ModelRecord(name, params.window));
  }

  /** A closed candle of `symbol` with its close: resolves the votes cast `horizon` candles ago. */
  observe(symbol: string, close: number): void {
    let book = this.books.get(symbol);
    if (book === undefined) {
      book = { candles: 0, pending: [], head: 0 };
      this.books.set(symbol, book);
    }
    book.candles++;
    const { horizon, thresholdPct } = this.params;
    const pending = book.pending;
    while (book.head < pending.length && pending[book.head].candle + horizon <= book.candles) {
      const entry = pending[book.head++];
      const realized = codeOf(realizedClass(close / entry.close - 1, thresholdPct));
      for (let i = 0; i < entry.codes.length; i++) {
        if (entry.codes[i] >= 0) this.records[i].resolve(entry.codes[i], realized);
      }
    }
    // Drop resolved entries once they are the larger part (amortized O(1)).
    if (book.head > 64 && book.head * 2 > pending.length) {
      pending.splice(0, book.head);
      book.head = 0;
    }
  }

  /** The votes cast on the symbol's latest observed candle, in `modelNames` order (the raw votes, before any supervisor). */
  record(batch: ModelBatch): void {
    const { predictions, vector } = batch;
    const codes = new Int8Array(this.records.length);
    for (let i = 0; i < this.records.length; i++) {
      const code = codeOf(predictions[i]?.action ?? null);
      codes[i] = code;
      this.records[i].cast(code);
    }
    const book = this.books.get(vector.symbol);
    // A vote on a candle never observed cannot be resolved (callers observe first).
    if (book === undefined || !(vector.kline.close > 0)) return;
    book.pending.push({ candle: book.candles, close: vector.kline.close, codes });
  }

  /** Model `index`'s record as a `ModelScore` (weight factor and exclusion supplied by the caller). */
  scoreOf(index: number, weightFactor = 1, excluded = false): ModelScore {
    const record = this.records[index];
    const c = record.confusion;
    const resolved = totalOf(c);
    const recent = record.recentConfusion;
    return {
      model: record.name,
      votes: { BUY: record.votes[0], SELL: record.votes[1], HOLD: record.votes[2], abstain: record.votes[3] },
      resolved,
      accuracy: shareOrNull(hitsOf(c), resolved),
      precisionBuy: shareOrNull(c[0], c[0] + c[1] + c[2]),
      precisionSell: shareOrNull(c[4], c[3] + c[4] + c[5]),
      recentAccuracy: shareOrNull(hitsOf(recent), record.recentResolved),
      weightFactor,
      excluded,
    };
  }

  /** Accuracy of model `index` over its last `window` resolved votes (NaN without one), and how many. */
  recentAccuracyOf(index: number): { readonly accuracy: number; readonly resolved: number } {
    const record = this.records[index];
    const resolved = record.recentResolved;
    return { accuracy: resolved > 0 ? hitsOf(record.recentConfusion) / resolved : Number.NaN, resolved };
  }

  /** The largest one-way share among model `index`'s last `window` cast votes (BUY or SELL only), and how many. */
  oneSidedOf(index: number): { readonly action: Action; readonly share: number; readonly votes: number } {
    const record = this.records[index];
    const votes = record.recentCastCount;
    const buy = record.recentCast[0];
    const sell = record.recentCast[1];
    const action: Action = buy >= sell ? 'BUY' : 'SELL';
    return { action, share: votes > 0 ? Math.max(buy, sell) / votes : 0, votes };
  }
}

/**
 * Performance weighting's factor per model (`ensemble.weighting: performance`): the model's Cohen's
 * kappa over its last `window` resolved votes, floored at 0 — so a model is weighted by how much
 * better than chance it calls the realized class, and one that merely repeats the commonest class
 * (high raw accuracy when HOLD dominates) or is no better than chance gets 0. Raw accuracy minus
 * 1/3 would reward exactly that HOLD-repeater; a softmax needs a temperature nobody can justify.
 * A model with fewer than `minResolved` resolved votes in its window is not rated yet: it gets the
 * mean factor of the rated models (1 when none is rated), i.e. counts as an average member, so the
 * first rated models neither dwarf nor are dwarfed by the unrated ones. The ensemble multiplies
 * each configured weight by its factor and re-normalizes over the voters as always; when every
 * factor is 0 every vote weighs 0 and the ensemble holds.
 */
export const performanceFactors = (board: ModelScoreboard, minResolved: number): Float64Array => {
  const factors = new Float64Array(board.records.length);
  const rated = new Uint8Array(board.records.length);
  let sum = 0;
  let count = 0;
  board.records.forEach((record, i) => {
    if (record.recentResolved < minResolved) return;
    factors[i] = Math.max(0, cohenKappa(record.recentConfusion));
    rated[i] = 1;
    sum += factors[i];
    count++;
  });
  const mean = count === 0 ? 1 : sum / count;
  for (let i = 0; i < factors.length; i++) if (rated[i] === 0) factors[i] = mean;
  return factors;
};
