import type { Logger } from 'pino';
import type { SessionManager } from './auth/session-manager';
import type { BuildService } from './builds/build-service';
import type { BuildrootService } from './buildroots/buildroot-service';
import type { ExternalRepoService } from './catalog/external-repos';
import type { TagService } from './catalog/tag-service';
import type { HubDb } from './db/hub-db';
import type { HubOptions } from './hub-options';
import type { KojiDir } from './kojidir';
import type { PolicyEngine } from './policy/policy-engine';
import type { RepoService } from './repos/repo-service';
import type { TaskScheduler } from './scheduler/task-scheduler';
import type { TaskService } from './tasks/task-service';

/** Everything the exported calls work with; built once by the simulator. */
export interface HubServices {
  db: HubDb;
  dir: KojiDir;
  opts: () => HubOptions;
  logger: Logger;
  sessions: SessionManager;
  tasks: TaskService;
  scheduler: TaskScheduler;
  tags: TagService;
  builds: BuildService;
  buildroots: BuildrootService;
  repos: RepoService;
  policy: PolicyEngine;
  externalRepos: ExternalRepoService;
  /** make_task's hook: automatic arch refusals for noarch build tasks. */
  onTaskCreated: (taskId: number) => void;
}
