import { hostname } from 'node:os';
import { type z } from 'zod';
import { commonConfigShape } from '@koji-farm/config';
import { APP_CONFIG_SCHEMAS, configShape, type AppName } from './app-configs';
import { CONFIG_SOURCES, keyComments } from './config-docs';

export const README_START = '<!-- config-reference:start (npm run docs:config writes this part) -->';
export const README_END = '<!-- config-reference:end -->';

/** The kojid.conf option each key stands for, where one does (builder/kojid, get_options). */
export const KOJID_CONF_NAMES: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'log_level',
  KOJI_HUB_URL: 'server',
  KOJI_TOPURL: 'topurl',
  KOJI_USER: 'user',
  KOJI_PASSWORD: 'password',
  KOJI_CERT: 'cert',
  KOJI_SERVERCA: 'serverca',
  KOJI_KRB_PRINCIPAL: 'krb_principal',
  POLL_INTERVAL: 'sleeptime',
  HUB_RETRIES: 'max_retries',
  HUB_RETRY_INTERVAL: 'retry_interval',
  HUB_RETRY_INTERVAL_MS: 'retry_interval (in ms)',
  HUB_TIMEOUT: 'timeout',
  SLOTS: 'maxjobs (per replica; the poller reports the farm’s free slots)',
  WORK_DIR: 'workdir',
  BUILD_TIMEOUT_SECONDS: 'rpmbuild_timeout',
  KEPT_CONTAINER_TTL_SECONDS: 'failed_buildroot_lifetime',
  BUILD_VENDOR: 'vendor',
  BUILD_PACKAGER: 'packager',
  BUILD_DISTRIBUTION: 'distribution',
};

export interface ConfigKeyDoc {
  key: string;
  /** `required`, `—` (optional, no default) or the default as the environment would spell it. */
  default: string;
  meaning: string | undefined;
  kojid?: string;
}

const COMMON_KEYS = Object.keys(commonConfigShape);

/** The keys of the common shape (shared by every app) or of one app without them. */
export function configKeyDocs(scope: 'common' | AppName): ConfigKeyDoc[] {
  const shape: Record<string, z.ZodType> =
    scope === 'common' ? commonConfigShape : configShape(APP_CONFIG_SCHEMAS[scope]);
  const comments = keyComments(scope === 'common' ? CONFIG_SOURCES.common : CONFIG_SOURCES[scope]);
  return Object.entries(shape)
    .filter(([key]) => scope === 'common' || !COMMON_KEYS.includes(key))
    .map(([key, type]) => ({
      key,
      default: defaultText(type),
      meaning: comments.get(key),
      kojid: KOJID_CONF_NAMES[key],
    }));
}

/** The markdown of the configuration reference: one table for the shared keys, one per app. */
export function renderConfigReference(): string {
  const sections: Array<[string, 'common' | AppName]> = [
    ['Every app', 'common'],
    ['hub-poller', 'hub-poller'],
    ['executor', 'executor'],
    ['monitor', 'monitor'],
  ];
  const out: string[] = [];
  for (const [title, scope] of sections) {
    out.push(`#### ${title}`, '', '| key | default | meaning | kojid.conf |', '| --- | --- | --- | --- |');
    for (const doc of configKeyDocs(scope))
      out.push(
        `| \`${doc.key}\` | ${cell(doc.default)} | ${cell(doc.meaning ?? '')} | ${doc.kojid ? cell(doc.kojid) : ''} |`,
      );
    out.push('');
  }
  return out.join('\n');
}

/** `readme` with the part between the markers replaced by the current reference. */
export function withConfigReference(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start === -1 || end < start)
    throw new Error(`README.md lacks the markers ${README_START} ... ${README_END}`);
  return `${readme.slice(0, start + README_START.length)}\n\n${renderConfigReference()}\n${readme.slice(end)}`;
}

function defaultText(type: z.ZodType): string {
  const def = (type as unknown as { def: { type: string; defaultValue?: unknown } }).def;
  if (def.type === 'optional') return '—';
  if (def.type !== 'default') return 'required';
  const value = def.defaultValue;
  if (value === hostname()) return 'the hostname';
  if (Array.isArray(value)) return `\`${value.join(',')}\``;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    return entries.length === 0 ? '(none)' : `\`${entries.map(([k, v]) => `${k}=${String(v)}`).join(',')}\``;
  }
  if (value === '') return '(empty)';
  return `\`${String(value)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
