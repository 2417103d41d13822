import { ModelError } from '../../domain/errors.js';

/** How LightGBM turns the summed raw score into a prediction (its objectives' `ConvertOutput`). */
export type LightgbmTransform =
  | 'sigmoid'
  | 'softmax'
  | 'ova-sigmoid'
  | 'identity'
  | 'square'
  | 'exp'
  | 'log1p-exp';

/** A model's objective line (`binary sigmoid:1`, `multiclass num_class:3`, `regression`). */
export interface LightgbmObjective {
  /** The line as written. */
  readonly text: string;
  /** The objective's name (`binary`, `multiclass`, `regression`, …). */
  readonly name: string;
  readonly transform: LightgbmTransform;
  /** `sigmoid:` of binary and multiclassova (1 otherwise). */
  readonly sigmoid: number;
}

const TRANSFORMS: Record<string, LightgbmTransform> = {
  binary: 'sigmoid',
  cross_entropy: 'sigmoid',
  cross_entropy_lambda: 'log1p-exp',
  multiclass: 'softmax',
  multiclassova: 'ova-sigmoid',
  regression: 'identity',
  regression_l1: 'identity',
  huber: 'identity',
  fair: 'identity',
  quantile: 'identity',
  mape: 'identity',
  poisson: 'exp',
  gamma: 'exp',
  tweedie: 'exp',
  lambdarank: 'identity',
  rank_xendcg: 'identity',
};

/**
 * Reads an `objective=` value.
 * @param where `file:line`, for errors
 * @param numClass the header's num_class, which a multiclass objective must repeat
 * @throws ModelError for an objective whose output we cannot reproduce (custom objectives)
 */
export const parseLightgbmObjective = (text: string, where: string, numClass: number): LightgbmObjective => {
  const [name, ...params] = text.trim().split(/\s+/);
  const base = TRANSFORMS[name];
  if (base === undefined) {
    throw new ModelError(
      `${where}: objective "${text.trim()}" is not supported (known: ${Object.keys(TRANSFORMS).join(', ')})`,
      where,
    );
  }
  let sigmoid = 1;
  let transform = base;
  for (const param of params) {
    const [key, value] = param.split(':');
    if (key === 'sigmoid') {
      sigmoid = Number(value);
      if (!(Number.isFinite(sigmoid) && sigmoid > 0)) throw new ModelError(`${where}: bad ${param}`, where);
    } else if (key === 'num_class' && Number(value) !== numClass) {
      throw new ModelError(`${where}: ${param} but the header says num_class=${numClass}`, where);
    } else if (key === 'sqrt' && base === 'identity') {
      // Trained on sqrt(label): LightGBM squares the output back (keeping its sign).
      transform = 'square';
    }
  }
  if ((base === 'softmax' || base === 'ova-sigmoid') !== numClass > 1) {
    throw new ModelError(`${where}: objective ${name} with num_class=${numClass}`, where);
  }
  return { text: text.trim(), name, transform, sigmoid };
};
