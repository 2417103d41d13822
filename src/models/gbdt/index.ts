// The GBDT trainer (histogram gradient boosting that saves XGBoost's JSON model format).
export { type BinnedData, binData, MISSING_BIN } from './binning.js';
export {
  parseCsvTraining,
  parseLibsvmTraining,
  readTrainingData,
  type TrainingData,
  trainingDataOf,
} from './dataset.js';
export { type LightgbmWriteOptions, lightgbmThresholdOf, toLightgbmText } from './lightgbm-writer.js';
export { evalMetricOf, GBDT_OBJECTIVES, type GbdtObjective } from './objectives.js';
export {
  evaluateModel,
  type FeatureImportance,
  featureImportance,
  type GbdtModel,
  type GbdtParams,
  predictMargins,
  trainGbdt,
} from './train.js';
export { toXgboostJson } from './xgboost-writer.js';
