import { forecasterTrainer } from './forecaster-trainer.js';
import { registerTrainer } from './trainer.js';

/** `quantum train --model nhits`: N-HiTS over windows of 120 candles by default. */
export const nhitsTrainer = forecasterTrainer('nhits', 120);
registerTrainer(nhitsTrainer);
