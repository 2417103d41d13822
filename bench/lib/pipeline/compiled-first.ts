// bench/pipeline.ts's first import: under tsx, runs the bench compiled instead (see ../compiled.ts).
import { runCompiled } from '../compiled.js';

runCompiled('pipeline');
