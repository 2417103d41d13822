// The model types a pipeline can name. Each file registers one (type, config schema, name,
// required features, builder); importing this module registers them all, in this order.
export { emaRsiModelType } from './ema-rsi.js';
export { lightgbmModelType } from './lightgbm.js';
export { macdAdxModelType } from './macd-adx.js';
export { nhitsModelType, patchtstModelType } from './neural.js';
export { xgboostModelType } from './xgboost.js';
