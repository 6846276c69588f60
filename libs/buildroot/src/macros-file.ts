import { type PlannedFile } from './buildroot-plan';
import { type HostBuildSettings } from './buildroot-facts';
import { macroName, macroValue, pythonStr, singleLine } from './safe-values';

export const MACROS_FILE_DEST = '/etc/rpm/macros.koji';
export const BUILDDIR = '/builddir';
export const TOPDIR = `${BUILDDIR}/build`;
const MACRO_PREFIX = 'rpm.macro.';

/** kojid's `%_rpmfilename`: every RPM lands flat in the result dir as N-V-R.A.rpm. */
export const RPM_FILENAME_FORMAT = '%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm';

/** `rpm.macro.NAME` entries of a tag's extra as `{NAME: value}` (kojid's `tag_macros`). */
export function tagMacros(extra: Readonly<Record<string, unknown>>): Record<string, string> {
  const macros: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    if (!key.startsWith(MACRO_PREFIX)) continue;
    const field = `extra["${key}"]`;
    const name = macroName(field, key.slice(MACRO_PREFIX.length));
    macros[name] = macroValue(field, pythonStr(field, value));
  }
  return macros;
}

/**
 * The macros kojid gives every buildroot, in its order of precedence: defaults
 * (`_rpmfilename`, `vendor`, `packager`, `distribution`) < the tag's `rpm.macro.*` <
 * the fixed ones no tag may override (`_topdir`, `_host_cpu`, `_host`).
 */
export function buildrootMacros(
  extra: Readonly<Record<string, unknown>>,
  host: HostBuildSettings,
  targetArch: string,
): Record<string, string> {
  const macros: Record<string, string> = {
    _rpmfilename: RPM_FILENAME_FORMAT,
    vendor: macroValue('host vendor', host.vendor),
    packager: macroValue('host packager', host.packager),
    distribution: macroValue('host distribution', host.distribution),
    ...tagMacros(extra),
  };
  macros._topdir = TOPDIR;
  macros._host_cpu = targetArch;
  macros._host = `${targetArch}-${singleLine('host mockhost', host.mockhost)}`;
  return macros;
}

/** An rpm macros file, one `%name value` per line, sorted by name like kojid's mock config. */
export function macrosFile(macros: Readonly<Record<string, string>>): PlannedFile {
  const lines = Object.keys(macros)
    .sort()
    .map((name) => `%${macroName(`macro ${name}`, name)} ${macroValue(`macro ${name}`, macros[name])}`);
  return {
    content: `# Written by koji-farm for one buildroot\n${lines.join('\n')}\n`,
    dest: MACROS_FILE_DEST,
  };
}
