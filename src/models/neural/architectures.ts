import type { NetworkBuilder } from './network.js';

/**
 * The forecaster architectures by name, as saved in a model's `model.json` (`modelTopology.arch`).
 * Each architecture file registers itself; importing `./index.js` registers them all.
 */
const builders = new Map<string, NetworkBuilder>();

export const registerArchitecture = (arch: string, builder: NetworkBuilder): void => {
  if (builders.has(arch)) throw new Error(`forecaster architecture "${arch}" is registered twice`);
  builders.set(arch, builder);
};

/** The builder of `arch`, undefined when none is registered. */
export const architectureOf = (arch: string): NetworkBuilder | undefined => builders.get(arch);

/** Registered architecture names, for messages. */
export const architectureNames = (): readonly string[] => [...builders.keys()];
