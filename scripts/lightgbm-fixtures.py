#!/usr/bin/env python3
"""Makes the LightGBM parity fixtures under test/fixtures/lightgbm/.

Trains small models with real LightGBM (checked with 4.7.0), saves each one's model.txt and a
CSV of inputs with LightGBM's own predictions, so test/models/lightgbm-parity.test.ts can hold
our predictor to LightGBM within 1e-6. CI does not need LightGBM: the outputs are committed.

    python3 -m venv /tmp/lgbm && /tmp/lgbm/bin/pip install lightgbm numpy
    /tmp/lgbm/bin/python scripts/lightgbm-fixtures.py

Each `<name>.csv` has the header `f0,…,f<n-1>,raw0,…,raw<k-1>,pred0,…,pred<k-1>`: the inputs
(`nan` = missing), `predict(raw_score=True)` and `predict()`, every number written with Python's
repr (shortest text that reads back as the same double). Inputs include NaN rows, zeros, values
beyond the training range and, for the categorical model, unseen, negative, fractional and NaN
categories.

Older headers: LightGBM 4.7 only writes `version=v4`, so `binary-v3.txt` and `binary-v2.txt` are
hand-made copies of `binary.txt`: v3 with only the header changed (same tree layout), v2 also
without the `is_linear` lines (LightGBM 2.x predates linear trees) and without `tree_sizes` (which
the parser treats as optional); both must predict what binary.csv says.
"""

import os
import re

import lightgbm as lgb
import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'lightgbm')
rng = np.random.default_rng(17)


def features(rows, width):
    x = rng.normal(size=(rows, width))
    return x


def holes(x, fraction, columns):
    """Sets `fraction` of the cells of `columns` to NaN."""
    x = x.copy()
    for c in columns:
        x[rng.random(len(x)) < fraction, c] = np.nan
    return x


def test_rows(width, rows=160, categorical=None, cat_values=None):
    """Test inputs: normal rows, then NaN rows, zeros, extremes, and (categorical) odd codes."""
    x = rng.normal(scale=1.3, size=(rows, width))
    x[rng.random(x.shape) < 0.12] = np.nan
    x[rng.random(x.shape) < 0.06] = 0.0
    special = [np.full(width, np.nan), np.zeros(width), np.full(width, 1e-36),
               np.full(width, -1e-36), np.full(width, 50.0), np.full(width, -50.0)]
    x = np.vstack([x, np.array(special)])
    if categorical is not None:
        codes = np.concatenate([rng.integers(0, cat_values, size=rows),
                                [np.nan, 0, 0, 0, cat_values + 3, -1]]).astype(float)
        odd = [np.nan, -1.0, -0.5, 2.7, float(cat_values), float(cat_values + 40), 1e10]
        codes[: len(odd)] = odd
        x[:, categorical] = codes
    return x


def write(name, booster, x):
    path = os.path.join(OUT, name)
    booster.save_model(path + '.txt')
    raw = np.asarray(booster.predict(x, raw_score=True)).reshape(len(x), -1)
    pred = np.asarray(booster.predict(x)).reshape(len(x), -1)
    k = raw.shape[1]
    header = [f'f{i}' for i in range(x.shape[1])] + [f'raw{i}' for i in range(k)] + \
        [f'pred{i}' for i in range(k)]
    with open(path + '.csv', 'w') as out:
        out.write(','.join(header) + '\n')
        for r in range(len(x)):
            cells = [repr(float(v)) for v in x[r]] + [repr(float(v)) for v in raw[r]] + \
                [repr(float(v)) for v in pred[r]]
            out.write(','.join(cells) + '\n')
    print(f'{name}: {booster.num_trees()} trees, {os.path.getsize(path + ".txt")} bytes')


BASE = {'verbose': -1, 'num_leaves': 7, 'min_data_in_leaf': 5, 'learning_rate': 0.2,
        'seed': 17, 'deterministic': True, 'num_threads': 1}


def train(params, x, y, rounds, categorical='auto'):
    data = lgb.Dataset(x, label=y, categorical_feature=categorical, free_raw_data=False)
    return lgb.train({**BASE, **params}, data, num_boost_round=rounds)


def main():
    os.makedirs(OUT, exist_ok=True)

    # Binary with NaN in training (missing type NaN on feature 0) and a non-default sigmoid.
    x = holes(features(300, 4), 0.15, [0])
    y = ((np.nan_to_num(x[:, 0], nan=1.0) + x[:, 1] * x[:, 2]) > 0.3).astype(float)
    write('binary', train({'objective': 'binary', 'sigmoid': 0.7}, x, y, 12), test_rows(4))

    # Multiclass, 3 classes.
    x = holes(features(300, 4), 0.1, [1])
    score = np.nan_to_num(x[:, 0], nan=0.0) + 0.5 * np.nan_to_num(x[:, 1], nan=-1.0)
    y = np.digitize(score, [-0.5, 0.5]).astype(float)
    write('multiclass', train({'objective': 'multiclass', 'num_class': 3}, x, y, 8), test_rows(4))

    # Regression.
    x = holes(features(300, 3), 0.1, [2])
    y = x[:, 0] * 2 - np.abs(x[:, 1]) + np.nan_to_num(x[:, 2], nan=3.0)
    write('regression', train({'objective': 'regression'}, x, y, 12), test_rows(3))

    # Categorical feature 2 (codes 0..9), used by categorical (bitset) splits.
    x = features(300, 3)
    x[:, 2] = rng.integers(0, 10, size=300)
    effect = np.array([2.0, -1.0, 0.5, 3.0, -2.0, 0.0, 1.5, -0.5, 2.5, -3.0])
    y = x[:, 0] + effect[x[:, 2].astype(int)]
    params = {'objective': 'regression', 'min_data_per_group': 5, 'cat_smooth': 1.0,
              'max_cat_to_onehot': 2, 'cat_l2': 1.0}
    write('categorical', train(params, x, y, 12, categorical=[2]),
          test_rows(3, categorical=2, cat_values=10))

    # Zero as missing (missing type Zero), and use_missing=false (missing type None: NaN → 0).
    x = features(300, 3)
    x[rng.random(300) < 0.2, 0] = 0.0
    x[rng.random(300) < 0.2, 1] = np.nan
    y = np.where(x[:, 0] == 0.0, 2.0, x[:, 0]) + np.nan_to_num(x[:, 1], nan=-2.0)
    write('zero-as-missing', train({'objective': 'regression', 'zero_as_missing': True}, x, y, 12),
          test_rows(3))
    write('no-missing', train({'objective': 'regression', 'use_missing': False}, x, y, 12),
          test_rows(3))

    # Random forest: average_output.
    x = holes(features(300, 4), 0.1, [3])
    y = ((x[:, 0] - x[:, 1]) > 0).astype(float)
    params = {'objective': 'binary', 'boosting': 'rf', 'bagging_fraction': 0.7, 'bagging_freq': 1,
              'feature_fraction': 0.8}
    write('random-forest', train(params, x, y, 10), test_rows(4))

    # DART (trees re-weighted at training; plain sums at prediction).
    x = features(300, 4)
    y = np.digitize(x[:, 0] * x[:, 1] + x[:, 2], [-0.7, 0.7]).astype(float)
    params = {'objective': 'multiclass', 'num_class': 3, 'boosting': 'dart', 'drop_rate': 0.3}
    write('dart', train(params, x, y, 8), test_rows(4))

    # Older headers of the binary model (see the module doc).
    with open(os.path.join(OUT, 'binary.txt')) as source:
        text = source.read()
    with open(os.path.join(OUT, 'binary-v3.txt'), 'w') as out:
        out.write(text.replace('version=v4\n', 'version=v3\n', 1))
    v2 = text.replace('version=v4\n', 'version=v2\n', 1)
    v2 = re.sub(r'^is_linear=0\n', '', v2, flags=re.M)
    v2 = re.sub(r'^tree_sizes=.*\n', '', v2, flags=re.M)
    with open(os.path.join(OUT, 'binary-v2.txt'), 'w') as out:
        out.write(v2)


if __name__ == '__main__':
    main()
