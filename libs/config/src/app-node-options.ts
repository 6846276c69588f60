/**
 * Node's own options each app runs with, wherever it runs: docker-compose.yml sets them as
 * the service's NODE_OPTIONS (test/deployment/compose.spec.ts checks they are the same),
 * and the farm launcher (tools/farm-launcher), the test and benchmark spawner
 * (test/support/spawn-app.ts) put them before any NODE_OPTIONS of their own, so that a
 * benchmark measures the app as production starts it.
 *
 * The executor's (ADR 0085): the V8 heap sized for a process whose live heap is 30 to
 * 45 MB. `--max-semi-space-size=4` caps each young-generation semi-space at 4 MB (V8
 * grows them to 16 MB under a steady allocation rate and keeps them); with
 * `--max-old-space-size=384` V8 lets the old generation grow to about 1.3 to 1.5 times
 * the live heap between full collections instead of up to 4 times (its growing factor
 * scales with that limit), and the limit stays well above the worst case (a 32 MB hub
 * reply decoded while the 32 MB event backlog is full).
 */
export const APP_NODE_OPTIONS = {
  'hub-poller': '',
  executor: '--max-semi-space-size=4 --max-old-space-size=384',
  // ADR 0044: its live heap is about 60 MB and Node would grow it lazily without a cap.
  monitor: '--max-old-space-size=160',
} as const satisfies Record<'hub-poller' | 'executor' | 'monitor', string>;

/** An app's NODE_OPTIONS: its own options, then `extra` (later ones win in Node). */
export function nodeOptionsFor(app: keyof typeof APP_NODE_OPTIONS, extra?: string): string {
  return [APP_NODE_OPTIONS[app], extra ?? ''].filter((part) => part.trim() !== '').join(' ');
}
