import { Module } from '@nestjs/common';
import { BuildArchHandler } from './build-arch/build-arch.handler';
import { BuildHandler } from './build/build.handler';
import { BuildSrpmFromScmHandler } from './build-srpm-from-scm/build-srpm-from-scm.handler';
import { ChainBuildHandler } from './chain-build/chain-build.handler';
import { CreaterepoHandler } from './createrepo/createrepo.handler';
import { NewRepoHandler } from './new-repo/new-repo.handler';
import { RebuildSrpmHandler } from './rebuild-srpm/rebuild-srpm.handler';
import { SleepHandler } from './sleep/sleep.handler';
import { TagBuildHandler } from './tag-build/tag-build.handler';
import { WaitrepoHandler } from './waitrepo/waitrepo.handler';

/**
 * The Koji methods this executor offers. Each is one `@KojiTaskHandler()` class with a
 * `@KojiMethod('name')` method; Nest finds them here (pattern handlers live on
 * controllers) and the AMQP transport routes task messages to them by method. Their
 * dependencies come from the global ExecutorModule and the libraries' global modules.
 */
@Module({
  controllers: [
    // in containers (koji.tasks.<arch>)
    BuildArchHandler,
    CreaterepoHandler,
    RebuildSrpmHandler,
    BuildSrpmFromScmHandler,
    // parents that only call the hub and wait (koji.tasks.orchestrate)
    BuildHandler,
    ChainBuildHandler,
    NewRepoHandler,
    TagBuildHandler,
    WaitrepoHandler,
    SleepHandler,
  ],
})
export class TaskHandlersModule {}
