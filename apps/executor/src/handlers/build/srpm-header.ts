import { join, posix } from 'node:path';
import {
  DownloadError,
  Downloader,
  readRpmHeaderFields,
  RpmHeaderError,
  type RpmHeaderFields,
} from '@koji-farm/koji';
import { buildError } from '../../tasks/errors/task-failure.error';
import { type TaskContext } from '../../tasks/handler/task-context';

/**
 * kojid's `readSRPMHeader`: fetches `<topurl>/work/<srpm>` into the task's work directory
 * and reads its header. A missing file, or one that is not a source package, is a BuildError.
 */
export async function readSrpmHeader(task: TaskContext, srpm: string): Promise<RpmHeaderFields> {
  const destination = join(task.workDir, 'srpm', posix.basename(srpm));
  try {
    await new Downloader(task.hub).downloadWork(srpm, destination, { signal: task.signal });
  } catch (err) {
    if (err instanceof DownloadError && !err.retryable)
      throw buildError(`SRPM file missing: ${srpm} (${err.message})`, err);
    throw err;
  }
  let header: RpmHeaderFields;
  try {
    header = await readRpmHeaderFields(destination);
  } catch (err) {
    if (err instanceof RpmHeaderError) throw buildError(`${srpm} is not an RPM: ${err.message}`, err);
    throw err;
  }
  if (!header.sourcepackage) throw buildError(`${srpm} is not a source package`);
  return header;
}
