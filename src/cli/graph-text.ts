import type { Kernel } from '../kernel/kernel.js';
import type { Stage } from '../kernel/stage.js';
import { TOPICS } from '../kernel/topics.js';
import { serviceOfStage } from '../services/service-catalog.js';

/**
 * The engine's graph as text, read from a kernel with its stages registered: each stage with its
 * rank and the topics it consumes, what it publishes and which service runs it, then each topic with its subscribers in delivery order — the
 * declared order, as the kernel will deliver (not as a document says it does).
 */
export const graphText = (kernel: Kernel, stages: readonly Stage[]): string => {
  const byRank = [...stages].sort((a, b) => a.rank - b.rank || (a.name < b.name ? -1 : 1));
  const nameWidth = Math.max(5, ...byRank.map((stage) => stage.name.length));
  const lines = ['stages (rank: the order in which a shared event reaches them)', ''];
  lines.push(`  ${'rank'.padStart(4)}  ${'stage'.padEnd(nameWidth)}  consumes`);
  for (const stage of byRank) {
    lines.push(
      `  ${String(stage.rank).padStart(4)}  ${stage.name.padEnd(nameWidth)}  ${stage.consumes.join(', ')}`,
    );
  }
  lines.push('', 'what each stage publishes, the topics it only learns from (quiet), and its service', '');
  for (const stage of byRank) {
    const quiet =
      stage.quiet === undefined || stage.quiet.length === 0 ? '' : `  (quiet on ${stage.quiet.join(', ')})`;
    lines.push(
      `  ${stage.name.padEnd(nameWidth)}  → ${(stage.publishes ?? ['?']).join(', ')}${quiet}  [${serviceOfStage(stage.name)}]`,
    );
  }
  lines.push('', 'topics (subscribers in delivery order)', '');
  const topicWidth = Math.max(...Object.values(TOPICS).map((topic) => topic.length));
  for (const topic of Object.values(TOPICS)) {
    const subscribers = kernel.subscribersOf(topic);
    lines.push(`  ${topic.padEnd(topicWidth)}  ${subscribers.length === 0 ? '—' : subscribers.join(' → ')}`);
  }
  return `${lines.join('\n')}\n`;
};
