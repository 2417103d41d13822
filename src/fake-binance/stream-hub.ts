import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import type { Faults } from './fake-faults.js';

/**
 * The fake Binance's websockets: market streams and the user-data stream on one port, reached the
 * ways Binance's clients reach them —
 * - raw streams `/ws/<stream>` and `/ws` + `SUBSCRIBE` (ccxt), combined `/stream?streams=a/b`
 *   whose messages are wrapped as `{ stream, data }`;
 * - the 2026 routed endpoints `/public/…`, `/market/…`, `/private/…` with the same two forms
 *   (the official connector opens `/<route>/stream?streams=` and SUBSCRIBEs);
 * - user data by listenKey: `/ws/<listenKey>`, `?listenKey=<key>`, or a stream named by the key
 *   (in `streams=` or a SUBSCRIBE).
 * Faults act here: duplicate and reordered user events, market streams down, dropped connections.
 */

const ROUTES = new Set(['public', 'market', 'private']);

interface Connection {
  readonly socket: WebSocket;
  /** Combined-stream framing (`/stream`, or `SET_PROPERTY combined`): `{ stream, data }`. */
  combined: boolean;
  /** Market stream names and listenKeys this connection receives. */
  readonly streams: Set<string>;
}

/** What the hub asks the server: the active listenKey and the event time to stamp. */
export interface StreamHubContext {
  readonly faults: Faults;
  /** The active listenKey, if one is valid now. */
  activeListenKey(): string | undefined;
}

/** Parsed `SUBSCRIBE`-family request. */
interface StreamRequest {
  readonly method?: unknown;
  readonly params?: unknown;
  readonly id?: unknown;
}

export class StreamHub {
  private readonly server = new WebSocketServer({ noServer: true });
  private readonly connections = new Set<Connection>();
  /** A user event held back while `reorderUserEvents` is on, sent after the next one. */
  private heldUserEvent: object | undefined;

  constructor(private readonly context: StreamHubContext) {}

  /** Open websocket connections. */
  get size(): number {
    return this.connections.size;
  }

  /** Accept (or refuse) an HTTP upgrade on the server's port. */
  upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(request.url ?? '/', 'ws://127.0.0.1');
    const segments = url.pathname.split('/').filter((segment) => segment !== '');
    const route = ROUTES.has(segments[0] ?? '') ? segments.shift() : undefined;
    const kind = segments.shift();
    if (kind !== 'ws' && kind !== 'stream') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const streams = new Set<string>(segments);
    for (const name of url.searchParams.get('streams')?.split('/') ?? []) if (name !== '') streams.add(name);
    const listenKey = url.searchParams.get('listenKey');
    const active = this.context.activeListenKey();
    if (listenKey !== null) {
      if (listenKey !== active) {
        socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
        return;
      }
      streams.add(listenKey);
    }
    const userData = route === 'private' || (active !== undefined && streams.has(active));
    if (!userData && this.context.faults.marketStreamsDown) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\n');
      return;
    }
    this.server.handleUpgrade(request, socket, head, (ws) => {
      const connection: Connection = { socket: ws, combined: kind === 'stream', streams };
      this.connections.add(connection);
      ws.on('close', () => this.connections.delete(connection));
      ws.on('message', (data) => this.answer(connection, String(data)));
    });
  }

  /** Answer one client message on its connection. */
  private answer(connection: Connection, text: string): void {
    let request: StreamRequest;
    try {
      request = JSON.parse(text) as StreamRequest;
    } catch {
      connection.socket.send(JSON.stringify({ code: 3, msg: 'Invalid JSON: expected a JSON object' }));
      return;
    }
    connection.socket.send(JSON.stringify(StreamHub.reply(connection, request)));
  }

  /** `SUBSCRIBE`, `UNSUBSCRIBE`, `LIST_SUBSCRIPTIONS`, `SET_PROPERTY`/`GET_PROPERTY combined`: apply, and the reply. */
  private static reply(connection: Connection, request: StreamRequest): object {
    const params = Array.isArray(request.params) ? request.params.map(String) : [];
    const id = request.id;
    switch (request.method) {
      case 'SUBSCRIBE':
        for (const name of params) connection.streams.add(name);
        return { result: null, id };
      case 'UNSUBSCRIBE':
        for (const name of params) connection.streams.delete(name);
        return { result: null, id };
      case 'LIST_SUBSCRIPTIONS':
        return { result: [...connection.streams], id };
      case 'SET_PROPERTY':
        if (params[0] !== 'combined')
          return { error: { code: 2, msg: `Invalid property: ${params[0]}` }, id };
        connection.combined = (request.params as unknown[])[1] === true;
        return { result: null, id };
      case 'GET_PROPERTY':
        return { result: params[0] === 'combined' ? connection.combined : null, id };
      default:
        return { error: { code: 2, msg: `Invalid request: unknown method ${String(request.method)}` }, id };
    }
  }

  private static frame(connection: Connection, stream: string, payload: object): string {
    return JSON.stringify(connection.combined ? { stream, data: payload } : payload);
  }

  /** Send a market event to the connections subscribed to `stream` (none while market streams are down). */
  sendMarket(stream: string, payload: object): void {
    if (this.context.faults.marketStreamsDown) return;
    for (const connection of this.connections) {
      if (connection.streams.has(stream))
        connection.socket.send(StreamHub.frame(connection, stream, payload));
    }
  }

  /**
   * Send a user-data event to the active listenKey's connections, applying the duplicate and
   * reorder faults: a held event goes out after the next one, or when reordering is switched off.
   */
  sendUser(payload: object): void {
    const copies = this.context.faults.duplicateUserEvents ? 2 : 1;
    const order: object[] = [];
    if (this.context.faults.reorderUserEvents) {
      if (this.heldUserEvent === undefined) {
        this.heldUserEvent = payload;
        return;
      }
      order.push(payload, this.heldUserEvent);
    } else {
      if (this.heldUserEvent !== undefined) order.push(this.heldUserEvent);
      order.push(payload);
    }
    this.heldUserEvent = undefined;
    for (const event of order) for (let copy = 0; copy < copies; copy++) this.deliverUser(event);
  }

  /** Send the held (reordered) user event now, if any: called when reordering is switched off. */
  flushHeldUserEvent(): void {
    const held = this.heldUserEvent;
    this.heldUserEvent = undefined;
    if (held !== undefined) this.deliverUser(held);
  }

  private deliverUser(event: object): void {
    const key = this.context.activeListenKey();
    if (key === undefined) return;
    for (const connection of this.connections) {
      if (connection.streams.has(key)) connection.socket.send(StreamHub.frame(connection, key, event));
    }
  }

  /**
   * A listenKey expired: its connections get `listenKeyExpired` and stop receiving user data; a
   * connection that carried nothing else is closed, as Binance closes a user-data stream.
   */
  expireListenKey(key: string, eventTime: number): void {
    for (const connection of this.connections) {
      if (!connection.streams.has(key)) continue;
      const event = { e: 'listenKeyExpired', E: eventTime, listenKey: key };
      connection.socket.send(StreamHub.frame(connection, key, event));
      connection.streams.delete(key);
      if (connection.streams.size === 0) connection.socket.close(1000, 'listenKey expired');
    }
  }

  /** Cut connections without a close handshake (a dropped network): all, or only those carrying no user data. */
  drop(marketOnly: boolean): void {
    const activeListenKey = this.context.activeListenKey();
    for (const connection of this.connections) {
      const userData = activeListenKey !== undefined && connection.streams.has(activeListenKey);
      if (!marketOnly || !userData) connection.socket.terminate();
    }
  }

  close(): void {
    for (const connection of this.connections) connection.socket.terminate();
    this.connections.clear();
    this.server.close();
  }
}
