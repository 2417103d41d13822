import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** Which tfjs backend runs the forecasters. */
export type TfBackend = 'wasm' | 'tensorflow' | 'cpu';

let ready: Promise<TfBackend> | undefined;

/**
 * tfjs with its backend set, once per process: the native `tensorflow` backend when the optional
 * `@tensorflow/tfjs-node` is installed (its install downloads a binary, so it often is not), else
 * WebAssembly (the default; its .wasm ships inside the npm package). `QUANTUM_TF_BACKEND=cpu|wasm`
 * forces one. Every backend computes in float32; results may differ between backends in the last
 * bits, never between two runs on the same one.
 */
export const loadTf = async (): Promise<typeof tf> => {
  ready ??= (async (): Promise<TfBackend> => {
    const wanted = process.env.QUANTUM_TF_BACKEND;
    if (wanted === undefined || wanted === 'tensorflow') {
      try {
        // A variable specifier: the package is optional and has no types here.
        const nativeBackend = '@tensorflow/tfjs-node';
        await import(nativeBackend);
        if (await tf.setBackend('tensorflow')) return 'tensorflow';
      } catch {
        // not installed, or its binary is missing: WebAssembly below
      }
    }
    const backend: TfBackend = wanted === 'cpu' ? 'cpu' : 'wasm';
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend failed to start`);
    await tf.ready();
    return backend;
  })();
  await ready;
  return tf;
};

/** The backend `loadTf` chose (after it resolved). */
export const tfBackend = (): string => tf.getBackend();
