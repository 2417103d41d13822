// bench/redis.ts's first import: under tsx, runs the bench compiled instead (see ../compiled.ts);
// the services it starts then run `quantum` compiled too, as a deployment does.
import { runCompiled } from '../compiled.js';

runCompiled('redis');
