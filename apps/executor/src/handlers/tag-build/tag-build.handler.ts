import { type KojiValue } from '@koji-farm/koji';
import { BuildHub } from '../../hub/build-hub';
import { bindArgs } from '../../orchestration/task-args';
import { errorName, errorText } from '../../tasks/errors/error-text';
import { outcomeOf } from '../../tasks/task-outcome';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';

/**
 * `tagBuild(tag_id, build_id, force=False, fromtag=None, ignore_success=False)` (kojid's
 * TagBuildTask): checks build and tag exist, `host.tagBuild` (the hub's post-tag checks),
 * then `host.tagNotification` with the outcome (a failure is reported, then raised).
 */
@KojiTaskHandler()
export class TagBuildHandler {
  @KojiMethod('tagBuild')
  async run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs(
      {
        method: 'tagBuild',
        params: ['tag_id', 'build_id', 'force', 'fromtag', 'ignore_success'],
        required: 2,
      },
      task.request,
    );
    const hub = new BuildHub(task.hub, task.signal);
    const { owner } = await hub.taskOwner(task.taskId);
    const force = Boolean(a.force);
    const ignoreSuccess = Boolean(a.ignore_success);
    try {
      await hub.getBuild(a.build_id, true);
      await hub.getTag(a.tag_id, { strict: true });
      await hub.tagBuild(task.taskId, a.tag_id, a.build_id, force, a.fromtag);
      await hub.tagNotification(true, a.tag_id, a.fromtag, a.build_id, owner, ignoreSuccess);
    } catch (err) {
      // Only a real failure is reported: not a cancel, a shutdown or a lost connection.
      if (outcomeOf(err, task.signal).kind === 'failed') {
        await hub
          .tagNotification(
            false,
            a.tag_id,
            a.fromtag,
            a.build_id,
            owner,
            ignoreSuccess,
            `${errorName(err)}: ${errorText(err)}`,
          )
          .catch((notifyErr: unknown) =>
            task.logger.warn({ err: notifyErr }, 'could not send the tag notification'),
          );
      }
      throw err;
    }
    return null;
  }
}
