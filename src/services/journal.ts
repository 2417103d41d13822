import type { Redis } from 'ioredis';
import { lastValueFrom, Subject } from 'rxjs';
import type { DeadLetter, EngineEvent } from '../domain/index.js';
import { DataError } from '../domain/index.js';
import type { ReplayOutcome } from '../pipeline/backtest.js';
import { createRunStats } from '../pipeline/run-stats.js';
import { collectReportInputs } from '../sinks/report/index.js';
import { readRange } from './inbox-reader.js';
import { parseEnvelopeFields } from './wire.js';

/**
 * A split run's outcome from its journal: the graph's outputs in kernel order, gathered exactly as
 * `runBacktest` gathers them from the in-process bus (the report cannot tell the two apart).
 * `inputIssues` are the data's own dead letters (refused rows), reported first as in a backtest.
 */
export const outcomeFromJournal = async (
  redis: Redis,
  journalKey: string,
  barIntervalMs: number,
  inputIssues: readonly DeadLetter[],
): Promise<ReplayOutcome> => {
  const deadLetters: DeadLetter[] = [...inputIssues];
  const stats = createRunStats();
  const events$ = new Subject<EngineEvent | DeadLetter>();
  const inputs$ = lastValueFrom(events$.pipe(collectReportInputs({ barIntervalMs })));
  for (const letter of deadLetters) events$.next(letter);
  for await (const entry of readRange(redis, journalKey)) {
    const parsed = parseEnvelopeFields(entry.fields);
    if (!parsed.ok) throw new DataError(`journal entry ${entry.id}: ${parsed.reason}`, journalKey);
    const event = parsed.value.event as EngineEvent | DeadLetter;
    if (event.kind === 'dead-letter') deadLetters.push(event);
    stats.record(event);
    events$.next(event);
  }
  events$.complete();
  return { inputs: await inputs$, stats, deadLetters };
};
