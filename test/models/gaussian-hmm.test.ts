import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createPrng } from '../../src/domain/index.js';
import { fitGaussianHmm, HmmFilter } from '../../src/models/gaussian-hmm.js';

// The Gaussian HMM on a synthetic two-regime series with known parameters (issue #18's acceptance):
// Baum-Welch recovers the means and variances within 10 %, forward filtering (past only) labels
// ≥ 90 % of the steps right, and a refit on newer data keeps each state's meaning.

const TRUTH = {
  means: [0.0005, -0.001],
  sds: [0.004, 0.012],
  stay: [0.98, 0.97],
};

/** A seeded two-state Markov chain and its observations: [return, |return|-ish second feature]. */
const generate = (count: number, seed: number): { rows: number[][]; states: number[] } => {
  const prng = createPrng(seed);
  const rows: number[][] = [];
  const states: number[] = [];
  let state = 0;
  for (let t = 0; t < count; t++) {
    if (t > 0 && prng.next() > TRUTH.stay[state]) state = 1 - state;
    states.push(state);
    rows.push([TRUTH.means[state] + TRUTH.sds[state] * prng.normal()]);
  }
  return { rows, states };
};

test('Baum-Welch recovers the means and variances within 10 %; states come out calmest first', () => {
  const { rows } = generate(6_000, 1);
  const hmm = fitGaussianHmm(rows, { states: 2 });
  for (let k = 0; k < 2; k++) {
    const variance = TRUTH.sds[k] ** 2;
    assert.ok(
      Math.abs(hmm.variances[k] - variance) / variance < 0.1,
      `state ${k} variance ${hmm.variances[k]} vs ${variance}`,
    );
    // Means are small against their noise: within 10 % of the spread between the two means, and of the sd.
    assert.ok(
      Math.abs(hmm.means[k] - TRUTH.means[k]) < 0.1 * TRUTH.sds[k],
      `state ${k} mean ${hmm.means[k]} vs ${TRUTH.means[k]}`,
    );
  }
  assert.ok(hmm.variances[0] < hmm.variances[1]);
  const stays = [hmm.transition[0], hmm.transition[3]];
  assert.ok(
    Math.abs(stays[0] - TRUTH.stay[0]) < 0.02 && Math.abs(stays[1] - TRUTH.stay[1]) < 0.02,
    String(stays),
  );
  assert.ok(Number.isFinite(hmm.logLikelihood) && hmm.iterations > 1);
});

test('forward filtering (past only) labels ≥ 90 % of the steps right, on data it was not fitted to', () => {
  const hmm = fitGaussianHmm(generate(6_000, 1).rows, { states: 2 });
  const { rows, states } = generate(6_000, 2);
  const filter = new HmmFilter(hmm);
  let right = 0;
  for (let t = 0; t < rows.length; t++) {
    filter.step(rows[t]);
    if (filter.mostLikely() === states[t]) right++;
  }
  assert.ok(right / rows.length >= 0.9, `${((100 * right) / rows.length).toFixed(1)} % right`);
});

test('a refit on newer data keeps the labels: state 0 is the calm regime both times, and they agree on ≥ 95 % of the shared steps', () => {
  const { rows } = generate(9_000, 3);
  const first = fitGaussianHmm(rows.slice(0, 6_000), { states: 2 });
  const second = fitGaussianHmm(rows.slice(3_000), { states: 2 });
  assert.ok(first.variances[0] < first.variances[1] && second.variances[0] < second.variances[1]);
  const a = new HmmFilter(first);
  const b = new HmmFilter(second);
  let same = 0;
  const shared = rows.slice(3_000, 6_000);
  for (const row of shared) {
    a.step(row);
    b.step(row);
    if (a.mostLikely() === b.mostLikely()) same++;
  }
  assert.ok(same / shared.length >= 0.95, `${((100 * same) / shared.length).toFixed(1)} % agree`);
});

test('the same data gives the same model, bit for bit; too little data is refused', () => {
  const { rows } = generate(2_000, 4);
  const a = fitGaussianHmm(rows, { states: 2 });
  const b = fitGaussianHmm(rows, { states: 2 });
  assert.equal([...a.means, ...a.variances, ...a.transition], [...b.means, ...b.variances, ...b.transition]);
  assert.throws(() => fitGaussianHmm(rows.slice(0, 3), { states: 2 }), /need ≥ 4 rows/);
});

test.run();
