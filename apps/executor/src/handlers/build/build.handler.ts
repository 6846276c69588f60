import { Inject } from '@nestjs/common';
import { type KojiValue } from '@koji-farm/koji';
import { EXECUTOR_CONFIG, type ExecutorConfig } from '../../config/executor.config';
import { bindArgs, optsStruct } from '../../orchestration/task-args';
import { type TaskContext } from '../../tasks/handler/task-context';
import { KojiMethod, KojiTaskHandler } from '../../tasks/handler/task-handler';
import { BuildRun } from './build-run';

/** `build(src, target, opts=None)`: the parent of a package build (BuildRun). */
@KojiTaskHandler()
export class BuildHandler {
  constructor(@Inject(EXECUTOR_CONFIG) private readonly config: ExecutorConfig) {}

  @KojiMethod('build')
  run(task: TaskContext): Promise<KojiValue> {
    const a = bindArgs({ method: 'build', params: ['src', 'target', 'opts'], required: 2 }, task.request);
    return new BuildRun(task, this.config, a.src, a.target, { ...optsStruct('build', a.opts) }).run();
  }
}
