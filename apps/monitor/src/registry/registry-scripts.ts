import { type Redis, type Result } from 'ioredis';
import { FOLD_AGENTS_LUA } from './lua/fold-agents.lua';
import { FOLD_MAIN_LUA } from './lua/fold-main.lua';
import { FOLD_PRELUDE_LUA } from './lua/fold-prelude.lua';
import { FOLD_TASK_PARTS_LUA } from './lua/fold-task-parts.lua';
import { FOLD_TASK_STATE_LUA } from './lua/fold-task-state.lua';
import { FOLD_TASK_LUA } from './lua/fold-task.lua';
import { SWEEP_LUA } from './lua/sweep.lua';
import { TASK_SUMMARIES_LUA } from './lua/task-summaries.lua';

/** What the fold script did with one event. */
export type FoldStatus = 'folded' | 'duplicate' | 'stale' | 'lost' | 'epoch';

export const FOLD_STATUSES: readonly string[] = ['folded', 'duplicate', 'stale', 'lost', 'epoch'];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    kojiFarmFold(...args: string[]): Result<string[], Context>;
    kojiFarmSweep(prefix: string, now: string, limit: string): Result<number, Context>;
    kojiFarmTaskSummaries(...args: string[]): Result<Array<Array<string | null>>, Context>;
  }
}

export const FOLD_LUA = [
  FOLD_PRELUDE_LUA,
  FOLD_TASK_STATE_LUA,
  FOLD_TASK_PARTS_LUA,
  FOLD_TASK_LUA,
  FOLD_AGENTS_LUA,
  FOLD_MAIN_LUA,
].join('\n');

/**
 * Registers the registry's Lua scripts on a client (ioredis sends EVALSHA and falls back
 * to EVAL after a Redis restart, also inside pipelines). The scripts take no KEYS, so the
 * client's key prefix is passed to them as their first argument.
 */
export function defineRegistryScripts(redis: Redis): void {
  if (typeof redis.kojiFarmFold === 'function') return;
  redis.defineCommand('kojiFarmFold', { numberOfKeys: 0, lua: FOLD_LUA });
  redis.defineCommand('kojiFarmSweep', { numberOfKeys: 0, lua: SWEEP_LUA });
  redis.defineCommand('kojiFarmTaskSummaries', { numberOfKeys: 0, lua: TASK_SUMMARIES_LUA });
}
