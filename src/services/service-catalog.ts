/**
 * The services the engine splits into (DESIGN.md §4): which kernel stages each one hosts. The split
 * is at topic boundaries only — a service runs the very stage code the backtest runs, and talks to
 * the rest through Redis streams. `market-publisher` hosts the source and the kernel that orders
 * every delivery (the conductor); every other service hosts stages.
 *
 * The kill switch lives with the portfolio: the account's snapshots are its only input, so the
 * portfolio service runs it chained to the portfolio (`chainsOf`) and every candle's cascade is one
 * round trip through Redis shorter than with the kill switch in the risk-governor service.
 */
export const SERVICES = {
  'market-publisher': [],
  portfolio: ['portfolio', 'kill-switch'],
  'position-monitor': ['position-monitor', 'position-intelligence', 'profit-amplifier'],
  'ai-engine': ['meta-regime', 'ai-engine'],
  strategy: ['universe', 'strategy'],
  sizing: ['sizing'],
  'risk-governor': ['portfolio-balancer', 'risk-governor'],
  execution: ['venue', 'execution'],
} as const satisfies Record<string, readonly string[]>;

export type ServiceName = keyof typeof SERVICES;

export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/**
 * Default `/metrics` port of each service (127.0.0.1) in a deployment: 9470 on. Replicas of one
 * service take any free port instead (`--metrics-port 0`); each reports its port in its heartbeat.
 */
export const METRICS_PORTS: Readonly<Record<ServiceName, number>> = Object.fromEntries(
  SERVICE_NAMES.map((name, index) => [name, 9470 + index]),
) as Record<ServiceName, number>;

/** Services that host stages (everything but the publisher). */
export const STAGE_SERVICES = SERVICE_NAMES.filter((name) => name !== 'market-publisher');

/**
 * Stages whose state is per symbol only and whose input always names a symbol: they may run as N
 * replicas, each owning the symbols that hash to its partitions (a symbol's events stay in order).
 * Not the strategy: with the universe on it learns which symbols may open from one cross-symbol event
 * (`UniverseChanged` names no symbol, so it would reach one partition only), and its service hosts
 * the universe, which ranks every symbol against the others.
 */
export const PARTITIONABLE_STAGES: ReadonlySet<string> = new Set(['meta-regime', 'ai-engine']);

/** Services that may run as N replicas: every stage they host is partitionable. */
export const PARTITIONABLE_SERVICES: ReadonlySet<ServiceName> = new Set(
  SERVICE_NAMES.filter(
    (name) =>
      (SERVICES[name] as readonly string[]).length > 0 &&
      (SERVICES[name] as readonly string[]).every((stage) => PARTITIONABLE_STAGES.has(stage)),
  ),
);

/** Service that hosts a stage. */
export const serviceOfStage = (stage: string): ServiceName => {
  for (const name of SERVICE_NAMES) {
    if ((SERVICES[name] as readonly string[]).includes(stage)) return name;
  }
  throw new Error(`no service hosts stage ${stage}`);
};

export const isServiceName = (name: string): name is ServiceName => Object.hasOwn(SERVICES, name);
