// Wall-clock timing for benches: seconds since a `process.hrtime.bigint()` stamp, and the best of
// several rounds of a synchronous run.

export const elapsedSeconds = (started: bigint): number => Number(process.hrtime.bigint() - started) / 1e9;

/** Best of `rounds` wall times (seconds) of a synchronous `run`, with what it returned. */
export const bestOfSync = (count: number, run: () => number): { seconds: number; checksum: number } => {
  let seconds = Number.POSITIVE_INFINITY;
  let checksum = 0;
  for (let round = 0; round < count; round++) {
    const started = process.hrtime.bigint();
    checksum = run();
    seconds = Math.min(seconds, elapsedSeconds(started));
  }
  return { seconds, checksum };
};
