import { type KojiValue } from '@koji-farm/koji';
import { z } from 'zod';
import { HubReplyError } from '../../hub/hub-reply.error';
import { buildError } from '../../tasks/errors/task-failure.error';

const buildArchResult = z.object({
  rpms: z.array(z.string()),
  srpms: z.array(z.string()).nullable().optional(),
  logs: z.array(z.string()),
  brootid: z.number().int(),
});

/** What `host.completeBuild` / `host.moveBuildToScratch` take from the buildArch children. */
export interface MergedBuild {
  srpm: string;
  rpms: string[];
  /** file → the buildroot that made it */
  brmap: Record<string, number>;
  /** arch → its logs */
  logs: Record<string, string[]>;
}

/**
 * kojid's `runBuilds` merge: every child's RPMs (with their buildroot), logs by arch, and
 * the one SRPM a child kept (`keep_srpm` on the first).
 * @throws TaskFailureError (BuildError) with none or several SRPMs
 */
export function mergeArchResults(
  children: ReadonlyMap<string, number>,
  results: ReadonlyMap<number, KojiValue>,
  parentId: number,
): MergedBuild {
  const merged: MergedBuild = { srpm: '', rpms: [], brmap: {}, logs: {} };
  for (const [arch, child] of children) {
    const parsed = buildArchResult.safeParse(results.get(child));
    if (!parsed.success)
      throw new HubReplyError(
        'host.taskWaitResults',
        `buildArch result of task ${child}: ${parsed.error.issues[0].message}`,
      );
    const result = parsed.data;
    for (const rpm of result.rpms) {
      merged.rpms.push(rpm);
      merged.brmap[rpm] = result.brootid;
    }
    (merged.logs[arch] ??= []).push(...result.logs);
    const srpm = result.srpms?.[0];
    if (srpm) {
      if (merged.srpm) throw buildError(`multiple builds returned a srpm.  task ${parentId}`);
      merged.srpm = srpm;
      merged.brmap[srpm] = result.brootid;
    }
  }
  if (!merged.srpm) throw buildError('could not find a built srpm');
  return merged;
}
