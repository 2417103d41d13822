import { randomBytes } from 'node:crypto';
import { BinanceApiError } from './binance-errors.js';
import type { Route } from './route-params.js';

/** The account's listenKey and when it lapses (wall-clock ms). */
export interface ListenKey {
  key: string;
  expiresAt: number;
}

/** What the listenKey routes need: the wall clock, the key's lifetime and the server's key state. */
export interface UserStreamRouteContext {
  wall(): number;
  readonly listenKeyTtlMs: number;
  getListenKey(): ListenKey | undefined;
  setListenKey(key: ListenKey | undefined): void;
}

/** `POST`/`PUT`/`DELETE /fapi/v1/listenKey`: create (or extend), keep alive and close the user-data stream key. */
export const userStreamRoutes = ({
  wall,
  listenKeyTtlMs,
  getListenKey,
  setListenKey,
}: UserStreamRouteContext): Route[] => [
  {
    method: 'POST',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    handle: () => {
      // One active key per account: asking again returns it and extends it.
      let listenKey = getListenKey();
      if (listenKey === undefined || wall() >= listenKey.expiresAt) {
        listenKey = { key: randomBytes(32).toString('base64url'), expiresAt: 0 };
        setListenKey(listenKey);
      }
      listenKey.expiresAt = wall() + listenKeyTtlMs;
      return { listenKey: listenKey.key };
    },
  },
  {
    method: 'PUT',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    handle: () => {
      const listenKey = getListenKey();
      if (listenKey === undefined || wall() >= listenKey.expiresAt)
        throw new BinanceApiError(-1125, 'This listenKey does not exist.', 400);
      listenKey.expiresAt = wall() + listenKeyTtlMs;
      return { listenKey: listenKey.key };
    },
  },
  {
    method: 'DELETE',
    url: '/fapi/v1/listenKey',
    security: 'USER_STREAM',
    weight: 1,
    handle: () => {
      setListenKey(undefined);
      return {};
    },
  },
];
