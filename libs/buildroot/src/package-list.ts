import { PackageListParseError } from './errors/package-list-parse.error';

/**
 * One installed package as `host.setBuildRootList` wants it (kojid's getPackageList):
 * `payloadhash` is the hex SIGMD5 of the header.
 */
export interface BuildrootRpm {
  name: string;
  version: string;
  release: string;
  epoch: number | null;
  arch: string;
  payloadhash: string;
  size: number;
  buildtime: number;
}

/** `rpm -qa --qf` format whose output `parsePackageList` reads: one tab-separated line per package. */
export const PACKAGE_LIST_QUERY_FORMAT =
  '%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\t%{SIGMD5}\\t%{SIZE}\\t%{BUILDTIME}\\n';

/** Packages kojid leaves out of the list (its fake group package and imported keys). */
const SKIPPED = new Set(['buildsys-build', 'gpg-pubkey']);

/** Parses the output of `rpm -qa --qf PACKAGE_LIST_QUERY_FORMAT`, sorted by name. */
export function parsePackageList(output: string): BuildrootRpm[] {
  const rpms: BuildrootRpm[] = [];
  output.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const fields = line.split('\t');
    if (fields.length !== 8) throw new PackageListParseError(index + 1, line);
    const [name, version, release, epoch, arch, sigmd5, size, buildtime] = fields;
    if (SKIPPED.has(name)) return;
    const sizeNumber = Number(size);
    const buildtimeNumber = Number(buildtime);
    const epochNumber = epoch === '(none)' ? null : Number(epoch);
    if (
      !name ||
      !Number.isInteger(sizeNumber) ||
      !Number.isInteger(buildtimeNumber) ||
      (epochNumber !== null && !Number.isInteger(epochNumber))
    ) {
      throw new PackageListParseError(index + 1, line);
    }
    rpms.push({
      name,
      version,
      release,
      epoch: epochNumber,
      arch,
      payloadhash: sigmd5 === '(none)' ? '' : sigmd5,
      size: sizeNumber,
      buildtime: buildtimeNumber,
    });
  });
  return rpms.sort((a, b) => a.name.localeCompare(b.name) || a.arch.localeCompare(b.arch));
}

/**
 * The packages the group install added: `after` minus what the image already had
 * (`baseline`), matched by name, epoch, version, release and arch. The hub only knows
 * packages of its own repos; the image's are identified by the image reference.
 */
export function installedSince(
  baseline: readonly BuildrootRpm[],
  after: readonly BuildrootRpm[],
): BuildrootRpm[] {
  const key = (r: BuildrootRpm) => `${r.name}\t${r.epoch ?? ''}\t${r.version}\t${r.release}\t${r.arch}`;
  const before = new Set(baseline.map(key));
  return after.filter((r) => !before.has(key(r)));
}
