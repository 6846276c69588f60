import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { GenericError } from '../errors/koji-errors';
import type { HubServices } from '../hub-services';
import type { CallContext } from '../rpc/call-context';
import { verifiedHost } from '../exports/host-identity';

/**
 * kojihub's `get_upload_path`: where an upload of `name` into `reldir` lands under
 * work/, with its checks: a plain name that does not start with '.', a directory
 * that stays inside work/, `tasks/<a>/<id>` only for the host that holds task <id>
 * open, and other directories owned by the first user who uploaded there (`.user`).
 */
export function uploadPath(
  s: HubServices,
  call: CallContext,
  reldir: string,
  name: string,
  create: boolean,
  volume: string | null,
): string {
  if (name.includes('/') || name.startsWith('.') || name === '')
    throw new GenericError(`Invalid upload filename: ${name}`);
  const normalized = posix.normalize(reldir.replace(/^\/+/, '') || '.');
  if (normalized.startsWith('..')) throw new GenericError(`Invalid upload directory: ${reldir}`);
  if (volume !== null && volume !== 'DEFAULT') throw new GenericError(`No such volume: ${volume}`);
  const parts = normalized.split('/');
  let checkUser = true;
  if (create && parts[0] === 'tasks') {
    if (parts.length < 3 || !/^-?\d+$/.test(parts[2]))
      throw new GenericError(`Invalid task upload directory: ${reldir}`);
    const host = verifiedHost(call);
    s.tasks.assertHost(Number(parts[2]), host);
    checkUser = false;
  }
  const udir = join(s.dir.work(), normalized);
  if (create) {
    mkdirSync(udir, { recursive: true });
    if (checkUser) {
      const userFile = join(udir, '.user');
      if (existsSync(userFile)) {
        if (Number(readFileSync(userFile, 'utf8')) !== call.session.userId) {
          throw new GenericError(`Invalid upload directory, not owner: ${reldir}`);
        }
      } else {
        writeFileSync(userFile, String(call.session.userId));
      }
    }
  }
  return join(udir, name);
}
