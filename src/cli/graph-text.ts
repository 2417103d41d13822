import type { Kernel } from '../kernel/kernel.js';
import type { Stage } from '../kernel/stage.js';
import { TOPICS } from '../kernel/topics.js';

/**
 * The engine's graph as text, read from a kernel with its stages registered: each stage with its
 * rank and the topics it consumes, then each topic with its subscribers in delivery order — the
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
  lines.push('', 'topics (subscribers in delivery order)', '');
  const topicWidth = Math.max(...Object.values(TOPICS).map((topic) => topic.length));
  for (const topic of Object.values(TOPICS)) {
    const subscribers = kernel.subscribersOf(topic);
    lines.push(`  ${topic.padEnd(topicWidth)}  ${subscribers.length === 0 ? '—' : subscribers.join(' → ')}`);
  }
  return `${lines.join('\n')}\n`;
};
