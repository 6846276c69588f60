import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { FarmEventFeed } from '../demo/farm-event-feed';
import { ProgressPrinter } from '../demo/progress-printer';
import { waitUntilFinished } from '../demo/task-watch';
import { demoStateFile, readDemoState } from './demo-state';
import { HubUser } from './hub-user';
import { taskLabel } from './task-label';

const USAGE = `npm run koji -- <command> [options]

A small Koji client for the farm the demo runs (it finds the hub, an admin login and the
monitor in .tmp/demo/farm.json while \`npm run demo\` runs). Commands, as koji's:

  build <target> <srpm file | scm url> [--scratch]   upload the SRPM and build it
  regen-repo <tag>                                    newRepo for the tag
  build-arch <srpm file | work/ path> [--tag T] [--arch A]
                                                      one buildArch task (makeTask, admin)
  watch-task <task id>...                             follow tasks until they finish

  --nowait        submit and print the task id only
  --farm NS       the demo running in namespace NS (default demo; the demo prints it)
  --hub URL --topurl URL --user U --password P --monitor URL
                  another hub or monitor than the running demo's`;

interface Target {
  hub: { url: string; topurl: string };
  login?: { user: string; password: string };
  monitorUrl?: string;
  buildTag?: string;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      scratch: { type: 'boolean', default: false },
      nowait: { type: 'boolean', default: false },
      tag: { type: 'string' },
      arch: { type: 'string', default: 'x86_64' },
      hub: { type: 'string' },
      topurl: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      monitor: { type: 'string' },
      farm: { type: 'string', default: 'demo' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const target = resolveTarget(values);
  const needsLogin = command !== 'watch-task';
  const hub = await HubUser.connect(target.hub, needsLogin ? target.login : undefined);
  try {
    let ids: number[];
    switch (command) {
      case 'build':
        ids = [await submitBuild(hub, args, values.scratch)];
        break;
      case 'regen-repo':
        if (args.length !== 1) throw new UsageError('regen-repo takes one tag');
        ids = [await hub.newRepo(args[0])];
        break;
      case 'build-arch':
        ids = [await submitBuildArch(hub, args, values.tag ?? target.buildTag, values.arch)];
        break;
      case 'watch-task':
        ids = args.map(Number);
        if (ids.length === 0 || ids.some((id) => !Number.isInteger(id) || id <= 0))
          throw new UsageError('watch-task takes task ids');
        break;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
    if (command !== 'watch-task') process.stdout.write(`Created task: ${ids.join(', ')}\n`);
    if (values.nowait) return 0;
    return await watch(hub, ids, target.monitorUrl);
  } finally {
    await hub.close();
  }
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function resolveTarget(values: {
  hub?: string;
  topurl?: string;
  user?: string;
  password?: string;
  monitor?: string;
  farm: string;
}): Target {
  const demo = readDemoState(demoStateFile(values.farm));
  const url = values.hub ?? demo?.hub.url;
  const topurl = values.topurl ?? demo?.hub.topurl;
  if (!url || !topurl)
    throw new UsageError(
      `no demo is running in namespace ${values.farm}: start \`npm run demo\`, or give --hub and --topurl`,
    );
  const login =
    values.user && values.password
      ? { user: values.user, password: values.password }
      : values.hub
        ? undefined
        : demo?.admin;
  return {
    hub: { url, topurl },
    login,
    monitorUrl: values.monitor ?? demo?.monitorUrl,
    buildTag: demo?.seed?.buildTag,
  };
}

/** As `koji build`: an SCM URL goes as it is, a local SRPM is uploaded first. */
async function submitBuild(hub: HubUser, args: string[], scratch: boolean): Promise<number> {
  if (args.length !== 2) throw new UsageError('build takes a target and an SRPM file or SCM URL');
  const [target, source] = args;
  let src = source;
  if (!source.includes('://')) {
    if (!existsSync(source)) throw new UsageError(`no such file: ${source}`);
    process.stdout.write(`Uploading ${source}\n`);
    src = await hub.uploadSrpm(source);
  }
  return hub.build(src, target, scratch ? { scratch: true } : {});
}

async function submitBuildArch(
  hub: HubUser,
  args: string[],
  tag: string | undefined,
  arch: string,
): Promise<number> {
  if (args.length !== 1) throw new UsageError('build-arch takes one SRPM');
  if (!tag) throw new UsageError('build-arch needs --tag (the build tag)');
  const pkg = existsSync(args[0]) ? await hub.uploadSrpm(args[0]) : args[0];
  const repo = await hub.client.call<{ id: number } | null>('getRepo', [tag]);
  if (!repo) throw new UsageError(`tag ${tag} has no current repo`);
  return hub.makeTask('buildArch', [pkg, tag, arch, true, { repo_id: repo.id }], { arch });
}

/**
 * Follows the tasks as `koji watch-task` does, from the farm's events when a monitor is
 * known (each step live), from the hub's task states otherwise. 0 when all CLOSED.
 */
async function watch(hub: HubUser, ids: number[], monitorUrl?: string): Promise<number> {
  const write = (line: string) => void process.stdout.write(`${line}\n`);
  const printer = new ProgressPrinter(hub, monitorUrl ?? '', write);
  const feed = monitorUrl
    ? await FarmEventFeed.connect(monitorUrl, {
        onEvent: (e) => printer.push(e),
        onTrouble: (m) => printer.say(m),
      })
    : undefined;
  write('Watching tasks (this may be safely interrupted)...');
  let failures = 0;
  try {
    for (const id of ids) {
      const state = await waitUntilFinished(hub, printer, id);
      const info = await hub.taskInfo(id);
      const label = info ? `${id} ${taskLabel(info)}` : String(id);
      if (state === 'CLOSED') write(`${label} completed successfully`);
      else {
        failures++;
        const failure = await hub.taskFailure(id);
        write(
          `${label} ${state === 'FAILED' ? 'failed' : state.toLowerCase()}${failure ? `: ${failure}` : ''}`,
        );
      }
    }
  } finally {
    await feed?.close();
  }
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(
      `${err.name === 'UsageError' ? `${err.message}\n\n${USAGE}` : `koji: ${err.message}`}\n`,
    );
    process.exit(err.name === 'UsageError' ? 2 : 1);
  },
);
