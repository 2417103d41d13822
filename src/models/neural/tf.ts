import type * as tfTypes from '@tensorflow/tfjs';

/** Which tfjs backend runs the forecasters. */
export type TfBackend = 'wasm' | 'tensorflow' | 'cpu';

let ready: Promise<typeof tfTypes> | undefined;
let loaded: typeof tfTypes | undefined;

/**
 * tfjs with its backend set, once per process: the native `tensorflow` backend when the optional
 * `@tensorflow/tfjs-node` is installed (its install downloads a binary, so it often is not), else
 * WebAssembly (the default; its .wasm ships inside the npm package). `QUANTUM_TF_BACKEND=cpu|wasm`
 * forces one. Every backend computes in float32; results may differ between backends in the last
 * bits, never between two runs on the same one. tfjs is imported here, on first use, so commands
 * and pipelines without a neural model never pay its start-up (about 2 s).
 */
export const loadTf = async (): Promise<typeof tfTypes> => {
  ready ??= (async () => {
    const tf = await import('@tensorflow/tfjs');
    await import('@tensorflow/tfjs-backend-wasm');
    const wanted = process.env.QUANTUM_TF_BACKEND;
    let backend: TfBackend | undefined;
    if (wanted === undefined || wanted === 'tensorflow') {
      try {
        // A variable specifier: the package is optional and has no types here.
        const nativeBackend = '@tensorflow/tfjs-node';
        await import(nativeBackend);
        if (await tf.setBackend('tensorflow')) backend = 'tensorflow';
      } catch {
        // not installed, or its binary is missing: WebAssembly below
      }
    }
    if (backend === undefined) {
      backend = wanted === 'cpu' ? 'cpu' : 'wasm';
      if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend failed to start`);
    }
    await tf.ready();
    loaded = tf;
    return tf;
  })();
  return ready;
};

/** The backend `loadTf` chose ('none' before it resolved). */
export const tfBackend = (): string => loaded?.getBackend() ?? 'none';
