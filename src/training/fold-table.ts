import { CLASS_ACTIONS } from './trainer.js';

/** A fold's row in the manifest: where it tested, how many samples, its out-of-sample metrics. */
export type FoldRecord = Record<string, number>;

const time = (ts: number): string => new Date(ts).toISOString().slice(0, 16).replace('T', ' ');
const fixed = (value: number | undefined, digits: number): string =>
  value === undefined ? '' : value.toFixed(digits);

/**
 * The per-fold table `quantum train` prints: test range, sample counts, accuracy against the
 * majority-class baseline, log loss, Brier score and precision/recall per class, then the mean.
 */
export const formatFoldTable = (folds: readonly FoldRecord[], mean: Record<string, number>): string => {
  const header = [
    'fold',
    'test from',
    'test to',
    'train',
    'test',
    'acc',
    'base',
    'logloss',
    'brier',
    ...CLASS_ACTIONS.map((action) => `P/R ${action}`),
  ];
  const classCells = (row: Record<string, number>): string[] =>
    CLASS_ACTIONS.map(
      (action) => `${fixed(row[`precision_${action}`], 2)}/${fixed(row[`recall_${action}`], 2)}`,
    );
  const rows = folds.map((fold) => [
    String(fold.fold),
    time(fold.testFrom),
    time(fold.testTo),
    String(fold.trainSamples),
    String(fold.testSamples),
    fixed(fold.accuracy, 3),
    fixed(fold.majorityAccuracy, 3),
    fixed(fold.logLoss, 4),
    fixed(fold.brier, 4),
    ...classCells(fold),
  ]);
  rows.push([
    'mean',
    '',
    '',
    fixed(mean.trainSamples, 0),
    fixed(mean.testSamples, 0),
    fixed(mean.accuracy, 3),
    fixed(mean.majorityAccuracy, 3),
    fixed(mean.logLoss, 4),
    fixed(mean.brier, 4),
    ...classCells(mean),
  ]);
  const widths = header.map((title, c) => Math.max(title.length, ...rows.map((row) => row[c].length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (c <= 2 ? cell.padEnd(widths[c]) : cell.padStart(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
};
