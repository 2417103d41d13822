import { parseXgboostJson, type XgboostModelDoc } from '../xgboost-json.js';
import { compileXgboost, type XgboostPredictor } from '../xgboost-predictor.js';
import { compileLightgbm } from './lightgbm-predictor.js';
import { isLightgbmText, type LightgbmModelDoc, parseLightgbmText } from './lightgbm-text.js';

/**
 * A model file of either format the registry takes (XGBoost JSON, LightGBM text), parsed and
 * validated: what the registry checks and records, and the compiled predictor.
 */
export interface ModelFile {
  readonly kind: 'xgboost-json' | 'lightgbm-text';
  /** File name inside a registry version directory. */
  readonly fileName: 'model.json' | 'model.txt';
  readonly doc: XgboostModelDoc | LightgbmModelDoc;
  readonly numFeature: number;
  /** num_class for multiclass, 0 for binary and regression (XGBoost's convention). */
  readonly numClass: number;
  readonly featureNames: readonly string[];
  /** The objective as the file names it (`binary:logistic`, `binary sigmoid:1`). */
  readonly objective: string;
  readonly predictor: XgboostPredictor;
}

/**
 * Parses a model file by its content: LightGBM text (`tree` then `version=`) or XGBoost JSON.
 * @param where the file name, for errors
 * @throws ModelError (file and line or key) for a corrupt, truncated or unsupported model
 */
export const parseModelFile = (text: string, where: string): ModelFile => {
  if (isLightgbmText(text)) {
    const doc = parseLightgbmText(text, where);
    return {
      kind: 'lightgbm-text',
      fileName: 'model.txt',
      doc,
      numFeature: doc.numFeature,
      numClass: doc.numTreePerIteration > 1 ? doc.numClass : 0,
      featureNames: doc.featureNames,
      objective: doc.objective.text,
      predictor: compileLightgbm(doc),
    };
  }
  const doc = parseXgboostJson(text, where);
  return {
    kind: 'xgboost-json',
    fileName: 'model.json',
    doc,
    numFeature: doc.numFeature,
    numClass: doc.numClass,
    featureNames: doc.featureNames,
    objective: doc.objective,
    predictor: compileXgboost(doc),
  };
};
