/**
 * Registers every trainer `quantum train` knows: import this file (not the trainers one by one)
 * so `--model all` sees them all. Each import registers itself through `registerTrainer`.
 */
import './gbdt-trainer.js';
import './lgbm-trainer.js';
import './nhits-trainer.js';
import './patchtst-trainer.js';
