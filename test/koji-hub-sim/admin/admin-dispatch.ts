import type { HubAdmin } from './hub-admin';

const OPS = [
  'addUser',
  'grantPermission',
  'addChannel',
  'addHost',
  'editHost',
  'addTag',
  'addTarget',
  'addGroupPackages',
  'addPackage',
  'importBuild',
  'makeTask',
  'createRepo',
  'setPolicy',
  'setHubOptions',
  'expireSession',
  'runScheduler',
  'task',
  'sessionsOf',
] as const;
type Op = (typeof OPS)[number];

/** `POST /sim/admin/<op>` with a JSON object: calls `HubAdmin[op](object)`. */
export async function adminDispatch(admin: HubAdmin, op: string, body: Buffer): Promise<unknown> {
  if (!(OPS as readonly string[]).includes(op))
    throw new Error(`unknown admin operation: ${op} (known: ${OPS.join(', ')})`);
  const input: unknown = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    throw new Error('the body must be a JSON object');
  const fn = admin[op as Op] as (arg: unknown) => unknown;
  return await fn.call(admin, input);
}
