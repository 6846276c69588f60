import { posix } from 'node:path';
import { UploadError } from '../errors/upload-error';

/** Where an upload lands: `<KojiDir>/work/<path>/<name>`, optionally on another volume. */
export interface UploadTarget {
  /** Relative directory under `work/`, e.g. `tasks/1234/561234`. */
  path: string;
  /** File name: no `/`, not starting with `.`. */
  name: string;
  volume?: string;
}

/**
 * Checks a target the way the hub's `get_upload_path` does, before anything is sent:
 * the name has no `/` and does not start with `.`; the path is relative, not empty and
 * does not climb out of `work/`. Returns the normalised path.
 */
export function checkUploadTarget(target: UploadTarget): UploadTarget {
  const { name, path, volume } = target;
  if (typeof name !== 'string' || name.length === 0) throw new UploadError('upload name is empty');
  if (name.includes('/')) throw new UploadError(`upload name ${JSON.stringify(name)} contains "/"`);
  if (name.startsWith('.')) throw new UploadError(`upload name ${JSON.stringify(name)} starts with "."`);
  if (name.includes('\0') || path.includes('\0'))
    throw new UploadError('upload name or path contains a NUL byte');
  if (path.startsWith('/')) throw new UploadError(`upload path ${JSON.stringify(path)} is absolute`);
  const normalised = posix.normalize(path);
  if (normalised === '.' || normalised === '') throw new UploadError('upload path is empty');
  if (normalised === '..' || normalised.startsWith('../')) {
    throw new UploadError(`upload path ${JSON.stringify(path)} climbs out of the work directory`);
  }
  if (volume !== undefined && (volume.length === 0 || volume.includes('/'))) {
    throw new UploadError(`upload volume ${JSON.stringify(volume)} is not a volume name`);
  }
  return { name, path: normalised.replace(/\/+$/, ''), volume };
}
