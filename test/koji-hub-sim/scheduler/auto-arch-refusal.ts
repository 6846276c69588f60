import type { HubServices } from '../hub-services';
import { isFinishedTaskState } from '../db/states';
import { pyStr } from '../python/py-format';

const METHODS = new Set(['buildArch', 'buildMaven', 'wrapperRPM', 'rebuildSRPM', 'buildSRPMFromSCM']);

/**
 * scheduler.py's `auto_arch_refuse` (the hub calls it from make_task): a noarch build
 * task is hard-refused for every host of its channel that has none of the build
 * tag's arches. Errors are swallowed, as the hub does.
 */
export function autoArchRefuse(s: Omit<HubServices, 'onTaskCreated'>, taskId: number): void {
  try {
    const task = s.db.tasks.get(taskId);
    if (!task || task.arch !== 'noarch' || !METHODS.has(task.method) || isFinishedTaskState(task.state))
      return;
    const params = s.tasks.request(taskId);
    const tagArg = params[1];
    if (tagArg === undefined || task.method === 'wrapperRPM' || task.method === 'buildMaven') return;
    const tag = s.tags.findTag(tagArg);
    if (!tag) return;
    const arches = new Set(
      pyStr(s.tags.buildConfig(tag.id).arches ?? '')
        .split(/\s+/)
        .filter(Boolean),
    );
    if (arches.size === 0) return;
    for (const host of s.db.hosts.filter((h) => h.enabled && h.channels.includes(task.channel_id))) {
      if (!host.arches.split(/\s+/).some((a) => arches.has(a))) {
        s.scheduler.setRefusal(host.id, taskId, false, false, 'automatic arch refusal');
      }
    }
  } catch (error) {
    s.logger.error({ err: error, taskId }, 'Error generating auto refusals');
  }
}
