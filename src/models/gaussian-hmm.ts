/**
 * A Gaussian hidden Markov model with diagonal covariances, for regime detection (issue #18):
 * Baum-Welch (EM with scaled forward-backward) fits it to a series of feature vectors, and a
 * forward filter follows it online — each new observation updates the state probabilities from
 * the past alone (no look-ahead, unlike smoothing). Deterministic: the initial means sit at
 * quantiles of the first feature, so the same data always gives the same model.
 *
 * States are returned in a canonical order — ascending variance of the first feature — so a refit
 * on newer data keeps the meaning of each state index (0 = calmest), and labels stay stable.
 */
export interface GaussianHmm {
  /** Number of states K and feature dimension D. */
  readonly states: number;
  readonly dims: number;
  /** Initial state probabilities (K). */
  readonly initial: Float64Array;
  /** Transition matrix, row-major K×K: `transition[j*K + k]` = P(next = k | now = j). */
  readonly transition: Float64Array;
  /** Means and variances, row-major K×D. */
  readonly means: Float64Array;
  readonly variances: Float64Array;
  /** Log-likelihood of the data it was fitted to, and the EM iterations it took. */
  readonly logLikelihood: number;
  readonly iterations: number;
}

export interface FitOptions {
  readonly states: number;
  /** EM stops after this many iterations, or when the log-likelihood improves by less than `tolerance`. */
  readonly maxIterations?: number;
  readonly tolerance?: number;
  /** Smallest variance a state may have, as a fraction of the feature's overall variance. */
  readonly varianceFloor?: number;
  /** Probability of staying in a state that the transition matrix starts from. */
  readonly initialStay?: number;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** log N(x | mean, var) summed over the dimensions of row `t` of `data` (T×D). */
const logDensity = (
  data: Float64Array,
  t: number,
  dims: number,
  means: Float64Array,
  variances: Float64Array,
  k: number,
): number => {
  let sum = 0;
  for (let d = 0; d < dims; d++) {
    const v = variances[k * dims + d];
    const diff = data[t * dims + d] - means[k * dims + d];
    sum -= 0.5 * (LOG_2PI + Math.log(v) + (diff * diff) / v);
  }
  return sum;
};

/** Fit a K-state Gaussian HMM to `rows` (each a feature vector of length D) with Baum-Welch. */
export const fitGaussianHmm = (rows: readonly (readonly number[])[], options: FitOptions): GaussianHmm => {
  const K = options.states;
  const T = rows.length;
  const D = rows[0]?.length ?? 0;
  if (!(K >= 2) || T < 2 * K || D === 0)
    throw new Error(`fitGaussianHmm: need ≥ ${2 * K} rows of features, got ${T}`);
  const data = new Float64Array(T * D);
  rows.forEach((row, t) => {
    for (let d = 0; d < D; d++) data[t * D + d] = row[d];
  });
  // Overall moments: the floor and the starting variances.
  const overallMean = new Float64Array(D);
  const overallVar = new Float64Array(D);
  for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) overallMean[d] += data[t * D + d] / T;
  for (let t = 0; t < T; t++)
    for (let d = 0; d < D; d++) overallVar[d] += (data[t * D + d] - overallMean[d]) ** 2 / T;
  const floor = new Float64Array(D);
  for (let d = 0; d < D; d++) floor[d] = Math.max(1e-300, overallVar[d] * (options.varianceFloor ?? 1e-3));

  // Start: means of the first feature at its quantiles (other features at their overall mean).
  const sorted = Array.from({ length: T }, (_, t) => data[t * D]).sort((a, b) => a - b);
  const means = new Float64Array(K * D);
  const variances = new Float64Array(K * D);
  for (let k = 0; k < K; k++) {
    for (let d = 0; d < D; d++) {
      means[k * D + d] = d === 0 ? sorted[Math.floor(((k + 0.5) / K) * T)] : overallMean[d];
      variances[k * D + d] = Math.max(floor[d], overallVar[d]);
    }
  }
  const stay = options.initialStay ?? 0.9;
  const transition = new Float64Array(K * K).map((_, i) =>
    Math.floor(i / K) === i % K ? stay : (1 - stay) / (K - 1),
  );
  const initial = new Float64Array(K).fill(1 / K);

  const alpha = new Float64Array(T * K);
  const beta = new Float64Array(T * K);
  const emission = new Float64Array(T * K); // scaled: exp(log b − max_t)
  const scale = new Float64Array(T);
  const gamma = new Float64Array(T * K);
  const xiSum = new Float64Array(K * K);
  const maxIterations = options.maxIterations ?? 200;
  const tolerance = options.tolerance ?? 1e-6;
  let logLikelihood = Number.NEGATIVE_INFINITY;
  let iterations = 0;
  for (; iterations < maxIterations; iterations++) {
    // E-step: emissions, scaled forward-backward.
    let emissionLog = 0;
    for (let t = 0; t < T; t++) {
      let max = Number.NEGATIVE_INFINITY;
      for (let k = 0; k < K; k++) {
        const l = logDensity(data, t, D, means, variances, k);
        emission[t * K + k] = l;
        if (l > max) max = l;
      }
      for (let k = 0; k < K; k++) emission[t * K + k] = Math.exp(emission[t * K + k] - max);
      emissionLog += max;
    }
    let ll = emissionLog;
    for (let t = 0; t < T; t++) {
      let c = 0;
      for (let k = 0; k < K; k++) {
        let prior = 0;
        if (t === 0) prior = initial[k];
        else for (let j = 0; j < K; j++) prior += alpha[(t - 1) * K + j] * transition[j * K + k];
        const a = prior * emission[t * K + k];
        alpha[t * K + k] = a;
        c += a;
      }
      scale[t] = c;
      for (let k = 0; k < K; k++) alpha[t * K + k] /= c;
      ll += Math.log(c);
    }
    for (let k = 0; k < K; k++) beta[(T - 1) * K + k] = 1;
    for (let t = T - 2; t >= 0; t--) {
      for (let j = 0; j < K; j++) {
        let sum = 0;
        for (let k = 0; k < K; k++)
          sum += transition[j * K + k] * emission[(t + 1) * K + k] * beta[(t + 1) * K + k];
        beta[t * K + j] = sum / scale[t + 1];
      }
    }
    xiSum.fill(0);
    for (let t = 0; t < T; t++) {
      let norm = 0;
      for (let k = 0; k < K; k++) norm += alpha[t * K + k] * beta[t * K + k];
      for (let k = 0; k < K; k++) gamma[t * K + k] = (alpha[t * K + k] * beta[t * K + k]) / norm;
      if (t === T - 1) continue;
      for (let j = 0; j < K; j++)
        for (let k = 0; k < K; k++)
          xiSum[j * K + k] +=
            (alpha[t * K + j] * transition[j * K + k] * emission[(t + 1) * K + k] * beta[(t + 1) * K + k]) /
            scale[t + 1];
    }
    // M-step.
    for (let k = 0; k < K; k++) initial[k] = gamma[k];
    for (let j = 0; j < K; j++) {
      let row = 0;
      for (let k = 0; k < K; k++) row += xiSum[j * K + k];
      for (let k = 0; k < K; k++) transition[j * K + k] = row > 0 ? xiSum[j * K + k] / row : 1 / K;
    }
    for (let k = 0; k < K; k++) {
      let weight = 0;
      for (let t = 0; t < T; t++) weight += gamma[t * K + k];
      for (let d = 0; d < D; d++) {
        let m = 0;
        for (let t = 0; t < T; t++) m += gamma[t * K + k] * data[t * D + d];
        m = weight > 0 ? m / weight : overallMean[d];
        let v = 0;
        for (let t = 0; t < T; t++) v += gamma[t * K + k] * (data[t * D + d] - m) ** 2;
        means[k * D + d] = m;
        variances[k * D + d] = Math.max(floor[d], weight > 0 ? v / weight : overallVar[d]);
      }
    }
    const improved = ll - logLikelihood;
    logLikelihood = ll;
    if (improved >= 0 && improved < tolerance * Math.max(1, Math.abs(ll))) {
      iterations++;
      break;
    }
  }
  return canonical({ states: K, dims: D, initial, transition, means, variances, logLikelihood, iterations });
};

/** The same model with its states in ascending variance of the first feature (stable labels across refits). */
const canonical = (hmm: GaussianHmm): GaussianHmm => {
  const { states: K, dims: D } = hmm;
  const order = Array.from({ length: K }, (_, k) => k).sort(
    (a, b) => hmm.variances[a * D] - hmm.variances[b * D] || hmm.means[a * D] - hmm.means[b * D],
  );
  const initial = new Float64Array(K);
  const transition = new Float64Array(K * K);
  const means = new Float64Array(K * D);
  const variances = new Float64Array(K * D);
  order.forEach((from, to) => {
    initial[to] = hmm.initial[from];
    for (let d = 0; d < D; d++) {
      means[to * D + d] = hmm.means[from * D + d];
      variances[to * D + d] = hmm.variances[from * D + d];
    }
    order.forEach((fromNext, toNext) => {
      transition[to * K + toNext] = hmm.transition[from * K + fromNext];
    });
  });
  return { ...hmm, initial, transition, means, variances };
};

/**
 * Online forward filtering: P(state now | observations so far), one observation at a time. Starts
 * from the model's initial probabilities; `step` returns the probabilities (reused array).
 */
export class HmmFilter {
  private readonly probs: Float64Array;
  private readonly next: Float64Array;
  private started = false;

  constructor(private readonly hmm: GaussianHmm) {
    this.probs = Float64Array.from(hmm.initial);
    this.next = new Float64Array(hmm.states);
  }

  step(observation: readonly number[]): Float64Array {
    const { states: K, dims: D, transition, means, variances } = this.hmm;
    const row = Float64Array.from(observation);
    let max = Number.NEGATIVE_INFINITY;
    for (let k = 0; k < K; k++) {
      const l = logDensity(row, 0, D, means, variances, k);
      this.next[k] = l;
      if (l > max) max = l;
    }
    let total = 0;
    for (let k = 0; k < K; k++) {
      let prior = 0;
      if (!this.started) prior = this.probs[k];
      else for (let j = 0; j < K; j++) prior += this.probs[j] * transition[j * K + k];
      this.next[k] = prior * Math.exp(this.next[k] - max);
      total += this.next[k];
    }
    for (let k = 0; k < K; k++) this.probs[k] = total > 0 ? this.next[k] / total : 1 / K;
    this.started = true;
    return this.probs;
  }

  /** P(state now | observations so far). */
  probability(state: number): number {
    return this.probs[state] ?? 0;
  }

  /** The most probable state now. */
  mostLikely(): number {
    let best = 0;
    for (let k = 1; k < this.probs.length; k++) if (this.probs[k] > this.probs[best]) best = k;
    return best;
  }
}
