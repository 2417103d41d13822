import { invalidParameter, missingParameter } from './binance-errors.js';
import type { Side } from './fake-venue.js';
import type { Security } from './signed-request.js';

/** One REST endpoint of the fake server: how it is secured and weighed, and its handler. */
export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly security: Security;
  readonly weight: number | ((params: URLSearchParams) => number);
  readonly handle: (params: URLSearchParams) => unknown | Promise<unknown>;
}

const SIDES = new Set(['BUY', 'SELL']);

export const need = (params: URLSearchParams, name: string): string => {
  const value = params.get(name);
  if (value === null || value === '') throw missingParameter(name);
  return value;
};
export const numberParam = (params: URLSearchParams, name: string): number | undefined => {
  const value = params.get(name);
  if (value === null || value === '') return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw invalidParameter(name, value);
  return parsed;
};
export const sideParam = (params: URLSearchParams): Side => {
  const side = need(params, 'side');
  if (!SIDES.has(side)) throw invalidParameter('side', side);
  return side as Side;
};
export const boolParam = (params: URLSearchParams, name: string): boolean => params.get(name) === 'true';
