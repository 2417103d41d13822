import type { ModelFindingRaised, ModelPerformanceMeasured, ModelScore } from '../../domain/index.js';
import { escapeHtml } from './report-tables.js';

/** How often the supervisor raised one kind of finding against one model, and when. */
export interface ModelFindingSummary {
  readonly model: string;
  readonly finding: ModelFindingRaised['finding'];
  /** Evaluations that raised it (a lasting problem is raised at every evaluation). */
  readonly count: number;
  /** Of those, how many removed the model from the vote (enforce mode). */
  readonly enforced: number;
  readonly firstTs: number;
  readonly lastTs: number;
  /** The last raise's reason. */
  readonly lastReason: string;
}

/** The report's model section: each model's record at the end, and the supervisor's findings. */
export interface ModelReport {
  /** When the record was taken (the last `ModelPerformanceMeasured`: end of data). */
  readonly ts: number;
  readonly horizon: number;
  readonly thresholdPct: number;
  readonly scores: readonly ModelScore[];
  /** Sorted by model, then finding. */
  readonly findings: readonly ModelFindingSummary[];
}

/**
 * Gathers the model section from the ai-engine's `ai.model_supervisor` events (supervisor on):
 * `add` each event, `result()` at the end — undefined when none was seen, so a run without the
 * supervisor has no model section and its report is unchanged.
 */
export const createModelReportCollector = () => {
  let last: ModelPerformanceMeasured | undefined;
  const findings = new Map<string, ModelFindingSummary>();
  return {
    add(event: ModelPerformanceMeasured | ModelFindingRaised): void {
      if (event.kind === 'model-performance-measured') {
        last = event;
        return;
      }
      const key = `${event.model}\u0000${event.finding}`;
      const seen = findings.get(key);
      findings.set(key, {
        model: event.model,
        finding: event.finding,
        count: (seen?.count ?? 0) + 1,
        enforced: (seen?.enforced ?? 0) + (event.enforced ? 1 : 0),
        firstTs: seen?.firstTs ?? event.ts,
        lastTs: event.ts,
        lastReason: event.reason,
      });
    },
    result(): ModelReport | undefined {
      if (last === undefined && findings.size === 0) return undefined;
      return {
        ts: last?.ts ?? 0,
        horizon: last?.horizon ?? 0,
        thresholdPct: last?.thresholdPct ?? 0,
        scores: last?.models ?? [],
        findings: [...findings.keys()].sort().map((key) => findings.get(key) as ModelFindingSummary),
      };
    },
  };
};

const share = (value: number | null): string => (value === null ? '–' : `${(value * 100).toFixed(1)} %`);
const cell = (value: number | null, text: string): string =>
  `<td data-v="${value === null || !Number.isFinite(value) ? '' : value}">${text}</td>`;

/**
 * The report page's model section (when the run has one): per model its votes by action,
 * abstentions, resolved votes, accuracy, recent accuracy, precision of its BUY and SELL calls,
 * weight factor and exclusion; then the supervisor's findings per model and kind with first and
 * last time.
 */
export const modelReportHtml = (
  models: ModelReport | undefined,
  formatTime: (ts: number) => string,
): string => {
  if (models === undefined) return '';
  const rows = models.scores.map(
    (s) =>
      `<tr><td>${escapeHtml(s.model)}</td>${cell(s.votes.BUY, String(s.votes.BUY))}${cell(s.votes.SELL, String(s.votes.SELL))}${cell(
        s.votes.HOLD,
        String(s.votes.HOLD),
      )}${cell(s.votes.abstain, String(s.votes.abstain))}${cell(s.resolved, String(s.resolved))}${cell(
        s.accuracy,
        share(s.accuracy),
      )}${cell(s.recentAccuracy, share(s.recentAccuracy))}${cell(s.precisionBuy, share(s.precisionBuy))}${cell(
        s.precisionSell,
        share(s.precisionSell),
      )}${cell(s.weightFactor, s.weightFactor.toFixed(3))}<td>${s.excluded ? 'excluded' : ''}</td></tr>`,
  );
  if (rows.length === 0) rows.push('<tr><td colspan="11">no record yet</td></tr>');
  const findingRows = models.findings.map(
    (f) =>
      `<tr><td>${escapeHtml(f.model)}</td><td>${f.finding}</td>${cell(f.count, String(f.count))}${cell(
        f.enforced,
        String(f.enforced),
      )}<td>${escapeHtml(formatTime(f.firstTs))}</td><td>${escapeHtml(formatTime(f.lastTs))}</td><td>${escapeHtml(f.lastReason)}</td></tr>`,
  );
  if (findingRows.length === 0) findingRows.push('<tr><td colspan="7">no findings</td></tr>');
  return `<h2>Models against outcomes</h2><div class="panel"><table id="model-scores" class="sortable"><thead><tr><th>Model</th><th>BUY</th><th>SELL</th><th>HOLD</th><th>Abstain</th><th>Resolved</th><th>Accuracy</th><th>Recent</th><th>BUY precision</th><th>SELL precision</th><th>Weight factor</th><th>Supervisor</th></tr></thead><tbody>${rows.join(
    '',
  )}</tbody></table><p class="note">A vote at candle t is judged at the close of candle t + ${models.horizon}: a move of more than ${
    models.thresholdPct
  } % up was BUY, down SELL, else HOLD. Recent: the last window of resolved votes.</p>
<table id="model-findings" class="sortable"><thead><tr><th>Model</th><th>Finding</th><th>Raised</th><th>Enforced</th><th>First</th><th>Last</th><th>Last reason</th></tr></thead><tbody>${findingRows.join(
    '',
  )}</tbody></table></div>`;
};

/** The model section as terminal text: one line per model, then one per finding. */
export const formatModelReport = (models: ModelReport | undefined): string => {
  if (models === undefined) return '';
  const lines = models.scores.map(
    (s) =>
      `${s.model.padEnd(16)} votes B/S/H/abstain ${s.votes.BUY}/${s.votes.SELL}/${s.votes.HOLD}/${s.votes.abstain}` +
      `  resolved ${s.resolved}  accuracy ${share(s.accuracy)}  BUY precision ${share(s.precisionBuy)}` +
      `  SELL precision ${share(s.precisionSell)}${s.excluded ? '  EXCLUDED' : ''}`,
  );
  for (const f of models.findings)
    lines.push(`${f.model.padEnd(16)} ${f.finding} ×${f.count} (${f.enforced} enforced): ${f.lastReason}`);
  return `${lines.join('\n')}\n`;
};
