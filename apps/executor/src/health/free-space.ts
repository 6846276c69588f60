import { mkdir, statfs } from 'node:fs/promises';

/** Bytes an unprivileged writer may still use on the file system holding `dir` (created if missing). */
export async function freeSpaceBytes(dir: string): Promise<number> {
  await mkdir(dir, { recursive: true });
  const stats = await statfs(dir);
  return stats.bavail * stats.bsize;
}
