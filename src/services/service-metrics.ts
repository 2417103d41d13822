import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { HostObserver } from './stage-host.js';

/**
 * A service's Prometheus metrics (DESIGN.md rule 9): events in and out per stage, processing
 * latency, stage failures, dead letters, and the consumer lag, on `/metrics` of its own port
 * (127.0.0.1 by default). The counters also feed the service's heartbeat.
 */
export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly eventsIn: Counter;
  private readonly eventsOut: Counter;
  private readonly latency: Histogram;
  private readonly errors: Counter;
  private readonly deadLetters: Counter;
  readonly lag: Gauge;
  /** Running totals for the heartbeat (prom-client counters are read asynchronously). */
  readonly totals = { handled: 0, emitted: 0, errors: 0, deadLetters: 0 };
  private server: Server | undefined;

  constructor(service: string, replica: number) {
    this.registry.setDefaultLabels({ service, replica: String(replica) });
    collectDefaultMetrics({ register: this.registry, prefix: 'quantum_' });
    this.eventsIn = new Counter({
      name: 'quantum_stage_events_in_total',
      help: 'Deliveries handled, by stage',
      labelNames: ['stage'],
      registers: [this.registry],
    });
    this.eventsOut = new Counter({
      name: 'quantum_stage_events_out_total',
      help: 'Events emitted, by stage',
      labelNames: ['stage'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'quantum_stage_latency_seconds',
      help: 'Time to handle one delivery and publish its effects, by stage',
      labelNames: ['stage'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers: [this.registry],
    });
    this.errors = new Counter({
      name: 'quantum_stage_errors_total',
      help: 'Deliveries a stage failed on (each became a dead letter)',
      labelNames: ['stage'],
      registers: [this.registry],
    });
    this.deadLetters = new Counter({
      name: 'quantum_dead_letters_total',
      help: 'Malformed messages refused to the dlq stream',
      registers: [this.registry],
    });
    this.lag = new Gauge({
      name: 'quantum_consumer_lag',
      help: 'Entries in the inbox not yet delivered to this service',
      labelNames: ['inbox'],
      registers: [this.registry],
    });
  }

  /** The host's reports, counted. */
  observer(): HostObserver {
    return {
      handled: (stage, latencyMs, emitted) => {
        this.eventsIn.inc({ stage });
        this.eventsOut.inc({ stage }, emitted);
        this.latency.observe({ stage }, latencyMs / 1000);
        this.totals.handled++;
        this.totals.emitted += emitted;
      },
      failed: (stage) => {
        this.errors.inc({ stage });
        this.totals.errors++;
      },
      refused: () => {
        this.deadLetters.inc();
        this.totals.deadLetters++;
      },
    };
  }

  /** Serves `/metrics` on `host:port` (port 0: any free one); resolves with the port. */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url !== '/metrics') {
        response.writeHead(404).end();
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    return new Promise((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  }
}
