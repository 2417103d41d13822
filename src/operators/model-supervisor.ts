import { z } from 'zod';
import type { FeatureVector, ModelFinding, ModelFindingRaised } from '../domain/index.js';
import { type AnyModel, featureIndexes } from '../models/model.js';
import type { FeatureStats } from '../models/model-manifest.js';
import type { ModelScoreboard } from './model-scoreboard.js';

/** Name of the supervisor's evaluation timer on the kernel's clock (its owner is the ai-engine stage). */
export const SUPERVISOR_TIMER = 'model-supervisor.evaluate';

export const modelSupervisorParams = z
  .object({
    /** Off by default: no timer, no findings, the ai-engine stage exactly as without the module. */
    enabled: z.boolean().default(false),
    /** `observe` only reports; `enforce` also removes a flagged model from the vote until it is cleared. */
    mode: z.enum(['observe', 'enforce']).default('observe'),
    /** Evaluation period on the kernel's clock, at multiples of it since the epoch (30 min: on the half hour). */
    intervalMs: z
      .number()
      .int()
      .min(60_000)
      .max(7 * 86_400_000)
      .default(1_800_000),
    /** Cast votes (bias) and resolved votes (accuracy) in the model's window before it is judged on them. */
    minVotes: z.number().int().min(1).default(100),
    /** One-sided bias: more than this share of the window's non-abstaining votes BUY (or SELL) flags. */
    biasShare: z.number().gt(0.5).max(1).default(0.7),
    /** Feature vectors per model whose feature distribution PSI compares with training. */
    driftWindow: z.number().int().min(10).max(100_000).default(500),
    /** Vectors in the drift window before drift is judged. */
    minVectors: z.number().int().min(1).default(100),
    /** PSI at or above this warns (`drift-warning`, never enforced). */
    psiWarning: z.number().positive().default(0.1),
    /** PSI above this flags (`drift`). */
    psiFlag: z.number().positive().default(0.25),
    /** Recent accuracy below this flags (`accuracy-decay`); 0: no floor. */
    minAccuracy: z.number().min(0).max(1).default(0),
    /** Recent accuracy below the manifest's training accuracy (`metrics.accuracy`) by more than this flags. */
    accuracyMargin: z.number().min(0).max(1).default(0.1),
  })
  .strict()
  .refine((p) => p.psiWarning <= p.psiFlag, {
    message: 'psiWarning must not exceed psiFlag',
    path: ['psiWarning'],
  });
export type ModelSupervisorParams = z.output<typeof modelSupervisorParams>;

/** Smallest share PSI uses for a bin: an empty bin would make ln(a/e) infinite (a usual floor, 1e-4). */
export const PSI_FLOOR = 1e-4;

/** The bin of `value` among inner `edges` (bin i holds values ≤ edges[i] and > edges[i−1]); −1 for NaN. */
export const binOf = (edges: readonly number[], value: number): number => {
  if (Number.isNaN(value)) return -1;
  let low = 0;
  let high = edges.length;
  // The first edge ≥ value (binary search); past every edge ⇒ the last bin.
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (edges[mid] < value) low = mid + 1;
    else high = mid;
  }
  return low;
};

/**
 * Population stability index of live rows against a training distribution: Σ (aᵢ − eᵢ) ln(aᵢ / eᵢ)
 * over the bins and the missing (NaN) share, each share floored at `PSI_FLOOR`. `counts[i]` are the
 * live rows per bin, `missing` the live NaN rows. Read: < 0.1 stable, 0.1–0.25 a shift worth a look,
 * > 0.25 a different population.
 */
export const psi = (stats: FeatureStats, counts: ArrayLike<number>, missing: number): number => {
  let total = missing;
  for (let i = 0; i < stats.fractions.length; i++) total += counts[i];
  if (total === 0) return 0;
  const term = (actual: number, expected: number): number => {
    const a = Math.max(PSI_FLOOR, actual);
    const e = Math.max(PSI_FLOOR, expected);
    return (a - e) * Math.log(a / e);
  };
  let sum = 0;
  for (let i = 0; i < stats.fractions.length; i++) sum += term(counts[i] / total, stats.fractions[i]);
  // Only a distribution that knows missing values (or live rows that have some) compares them.
  if (stats.missing > 0 || missing > 0) sum += term(missing / total, stats.missing);
  return sum;
};

/** A ring of the last `window` bins of one feature of one model, with the counts per bin. */
class FeatureWindow {
  readonly counts: Float64Array;
  missing = 0;
  private readonly ring: Int16Array;
  private head = 0;
  size = 0;

  constructor(
    readonly feature: string,
    readonly stats: FeatureStats,
    window: number,
  ) {
    this.counts = new Float64Array(stats.fractions.length);
    this.ring = new Int16Array(window);
  }

  add(value: number): void {
    const bin = binOf(this.stats.edges, value);
    const ring = this.ring;
    if (this.size === ring.length) {
      const old = ring[this.head];
      if (old < 0) this.missing--;
      else this.counts[old]--;
    } else this.size++;
    ring[this.head] = bin;
    if (bin < 0) this.missing++;
    else this.counts[bin]++;
    this.head = (this.head + 1) % ring.length;
  }
}

/** What one evaluation found, and which models (by index) enforce mode now removes from the vote. */
export interface SupervisorVerdict {
  readonly findings: readonly ModelFindingRaised[];
  readonly excluded: ReadonlySet<number>;
}

const pct = (share: number): string => `${(share * 100).toFixed(0)} %`;

/**
 * The model supervisor (issue #17 item 7): watches every model's votes against realized outcomes
 * (through the shared `ModelScoreboard`) and its inputs against its training distribution, and at
 * each `evaluate(ts)` raises, per model:
 * - `bias` when more than `biasShare` of its last `window` non-abstaining votes are BUY (or SELL),
 *   once it has `minVotes` of them (HOLD-heavy models are normal and never flagged);
 * - `drift` when an input feature's PSI over the last `driftWindow` vectors against the manifest's
 *   `featureStats` exceeds `psiFlag`, `drift-warning` at or above `psiWarning` (after `minVectors`;
 *   models without `featureStats`, e.g. rule models, are never judged on drift);
 * - `accuracy-decay` when its accuracy over its last `window` resolved votes (at least `minVotes`)
 *   is below `minAccuracy`, or below its training accuracy (`metrics.accuracy`) by more than
 *   `accuracyMargin`.
 * In enforce mode every model with a finding other than `drift-warning` is excluded until an
 * evaluation finds nothing against it; its votes keep being scored (the scoreboard sees the raw
 * votes), so it can earn its way back. Event time only; deterministic (models in config order,
 * features in each model's order).
 */
export const createModelSupervisor = (
  models: readonly AnyModel[],
  board: ModelScoreboard,
  p: ModelSupervisorParams,
) => {
  const windows = models.map((model) =>
    model.features.flatMap((feature) => {
      const stats = model.featureStats?.[feature];
      return stats === undefined ? [] : [new FeatureWindow(feature, stats, p.driftWindow)];
    }),
  );
  // Positions of each model's watched features in the vector, cached by the names array's identity.
  let knownNames: readonly string[] | undefined;
  let indexes: Int32Array[] = [];
  return {
    /** One feature vector the models saw (drift windows). */
    observe(vector: FeatureVector): void {
      if (vector.names !== knownNames) {
        knownNames = vector.names;
        indexes = windows.map((list) =>
          featureIndexes(
            vector.names,
            list.map((window) => window.feature),
          ),
        );
      }
      for (let m = 0; m < windows.length; m++) {
        const list = windows[m];
        for (let f = 0; f < list.length; f++) {
          const at = indexes[m][f];
          list[f].add(at < 0 ? Number.NaN : vector.values[at]);
        }
      }
    },

    /** Judges every model at `ts` (see the factory's doc). */
    evaluate(ts: number): SupervisorVerdict {
      const findings: ModelFindingRaised[] = [];
      const excluded = new Set<number>();
      const enforce = p.mode === 'enforce';
      models.forEach((model, m) => {
        const raise = (
          finding: ModelFinding,
          value: number,
          threshold: number,
          sample: number,
          reason: string,
          feature?: string,
        ): void => {
          const enforced = enforce && finding !== 'drift-warning';
          if (enforced) excluded.add(m);
          findings.push({
            kind: 'model-finding-raised',
            ts,
            model: model.name,
            finding,
            value,
            threshold,
            ...(feature === undefined ? {} : { feature }),
            sample,
            enforced,
            reason,
          });
        };
        const side = board.oneSidedOf(m);
        if (side.votes >= p.minVotes && side.share > p.biasShare) {
          raise(
            'bias',
            side.share,
            p.biasShare,
            side.votes,
            `bias: ${pct(side.share)} of ${side.votes} votes ${side.action} > ${pct(p.biasShare)}`,
          );
        }
        for (const window of windows[m]) {
          if (window.size < p.minVectors) continue;
          const value = psi(window.stats, window.counts, window.missing);
          if (value > p.psiFlag) {
            raise(
              'drift',
              value,
              p.psiFlag,
              window.size,
              `drift: ${window.feature} PSI ${value.toFixed(3)} > ${p.psiFlag} over ${window.size} vectors`,
              window.feature,
            );
          } else if (value >= p.psiWarning) {
            raise(
              'drift-warning',
              value,
              p.psiWarning,
              window.size,
              `drift warning: ${window.feature} PSI ${value.toFixed(3)} ≥ ${p.psiWarning} over ${window.size} vectors`,
              window.feature,
            );
          }
        }
        const recent = board.recentAccuracyOf(m);
        if (recent.resolved >= p.minVotes) {
          const trained = model.metrics?.accuracy;
          const floor = Math.max(p.minAccuracy, trained === undefined ? 0 : trained - p.accuracyMargin);
          if (recent.accuracy < floor) {
            const against =
              trained !== undefined && trained - p.accuracyMargin >= p.minAccuracy
                ? `training accuracy ${pct(trained)} − margin ${pct(p.accuracyMargin)}`
                : `minAccuracy ${pct(p.minAccuracy)}`;
            raise(
              'accuracy-decay',
              recent.accuracy,
              floor,
              recent.resolved,
              `accuracy decay: ${pct(recent.accuracy)} over ${recent.resolved} resolved votes < ${against}`,
            );
          }
        }
      });
      return { findings, excluded };
    },
  };
};
export type ModelSupervisor = ReturnType<typeof createModelSupervisor>;
