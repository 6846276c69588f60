import { setTimeout as delay } from 'node:timers/promises';
import { type KojiValue } from '@koji-farm/koji';
import { bindArgs, parameterError } from '../../orchestration/task-args';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';

/** `sleep(n)`: waits n seconds and returns nothing (kojid's SleepTask; handy for load tests). */
@KojiTaskHandler()
export class SleepHandler {
  @KojiMethod('sleep')
  async run(task: TaskContext): Promise<KojiValue> {
    const { n } = bindArgs({ method: 'sleep', params: ['n'], required: 1 }, task.request);
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0)
      throw parameterError('sleep(n): n must be a number');
    task.logger.info({ seconds: n }, 'sleeping');
    await delay(n * 1000, undefined, { signal: task.signal });
    return null;
  }
}
