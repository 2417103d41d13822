import cliProgress from 'cli-progress';

export interface Progress {
  /** `done` of `total` units are finished. Cheap to call often. */
  update(done: number): void;
  stop(): void;
}

/**
 * A progress bar on stderr for long work (stdout stays clean for results). On a terminal it is a
 * live bar with rate and ETA; elsewhere (CI, pipes) one line per 10 %; `enabled: false` is silent.
 */
export const createProgress = (label: string, total: number, unit: string, enabled = true): Progress => {
  if (!enabled || total <= 0) return { update: () => {}, stop: () => {} };
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        format: `${label} |{bar}| {percentage}% | {value}/{total} ${unit} | {speed} ${unit}/s | ETA {eta_formatted}`,
        hideCursor: true,
        fps: 10,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    // The bar's clock is for display only; it never reaches the engine.
    const startedMs = performance.now();
    bar.start(total, 0, { speed: '0' });
    return {
      update(done) {
        const seconds = (performance.now() - startedMs) / 1000;
        bar.update(done, { speed: seconds > 0 ? Math.round(done / seconds).toLocaleString('en-US') : '0' });
      },
      stop() {
        bar.update(total);
        bar.stop();
      },
    };
  }
  let nextTenth = 1;
  return {
    update(done) {
      if (nextTenth > 10 || done < (nextTenth * total) / 10) return;
      // One line per update that crosses a tenth, with the percentage its own numbers give.
      const percent = Math.floor((done / total) * 100);
      process.stderr.write(`${label}: ${percent}% (${done}/${total} ${unit})\n`);
      nextTenth = Math.floor((done / total) * 10) + 1;
    },
    stop() {
      this.update(total);
    },
  };
};
