import { forecasterTrainer } from './forecaster-trainer.js';
import { registerTrainer } from './trainer.js';

/** `quantum train --model patchtst`: PatchTST over windows of 30 candles by default. */
export const patchtstTrainer = forecasterTrainer('patchtst', 30);
registerTrainer(patchtstTrainer);
