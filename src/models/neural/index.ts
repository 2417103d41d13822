// The neural forecasters: importing this module registers every architecture by the name saved in
// its model.json (`modelTopology.arch`), so a saved model can be rebuilt and loaded.
import { registerArchitecture } from './architectures.js';
import { buildNhits } from './nhits.js';
import { buildPatchtst } from './patchtst.js';

registerArchitecture('nhits', buildNhits);
registerArchitecture('patchtst', buildPatchtst);

export { architectureOf } from './architectures.js';
export {
  checkForecaster,
  type ForecasterTopology,
  loadForecaster,
  saveForecaster,
} from './forecaster-file.js';
export { forecasterModelOf } from './forecaster-model.js';
export type { Network, NetworkBuilder } from './network.js';
export { loadTf } from './tf.js';
export { evaluateMse, trainNetwork, type WindowData } from './train.js';
