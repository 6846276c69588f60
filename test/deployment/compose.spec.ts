import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { APP_NODE_OPTIONS, loadConfig } from '@koji-farm/config';
import { APP_CONFIG_SCHEMAS, configShape, type AppName } from '../../tools/config-reference/app-configs';
import {
  composeVariables,
  interpolate,
  interpolateDeep,
  MissingComposeVariableError,
} from './compose-interpolation';

const ROOT = join(__dirname, '..', '..');
const composeText = readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8');
const envExampleText = readFileSync(join(ROOT, '.env.example'), 'utf8');

interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string } | string;
  command?: string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, unknown>;
  volumes?: string[];
}

/** Environment keys that are not the app's configuration (Node's own). */
const NOT_APP_CONFIG = new Set(['NODE_OPTIONS']);
const APP_OF_COMMAND = /^dist\/apps\/([a-z-]+)\/main\.js$/;

/** The variables .env.example sets, and those it documents in commented `# KEY=default` lines. */
function envExample(): { set: Record<string, string>; documented: Set<string> } {
  const set = parseEnv(envExampleText) as Record<string, string>;
  const documented = new Set(Object.keys(set));
  for (const match of envExampleText.matchAll(/^# ([A-Z][A-Z0-9_]*)=/gm)) documented.add(match[1]);
  return { set, documented };
}

function services(env: Record<string, string>): Record<string, Service> {
  const doc = interpolateDeep(parse(composeText, { merge: true }), env) as {
    services: Record<string, Service>;
  };
  return doc.services;
}

/** The app a service runs (`node dist/apps/<app>/main.js`), or undefined for rabbitmq/redis. */
function appOf(service: Service): AppName | undefined {
  const script = service.command?.[1];
  return (script?.match(APP_OF_COMMAND)?.[1] as AppName | undefined) ?? undefined;
}

/**
 * There is no Docker engine on these machines, so docker-compose.yml is checked here for
 * everything that does not need one: it parses; the build context, Dockerfile and each
 * command exist; every variable it uses is documented in .env.example and nothing there
 * is unused; and with .env.example's values each app's environment holds only keys of
 * that app's config schema and passes it, as the app would check it at boot.
 */
describe('docker-compose.yml', () => {
  const example = envExample();

  it('runs RabbitMQ, Redis, the hub-poller, executors and the monitor, each with a healthcheck', () => {
    const all = services(example.set);
    expect(Object.keys(all).sort()).toEqual(['executor', 'hub-poller', 'monitor', 'rabbitmq', 'redis']);
    for (const [name, service] of Object.entries(all)) {
      expect({ name, test: service.healthcheck?.test?.[0] }).toEqual({ name, test: 'CMD' });
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(all)).toContain(dependency);
    }
    const executor = all.executor as Service & {
      deploy?: { replicas?: string };
      user?: string;
      pid?: string;
    };
    expect(executor).toMatchObject({ user: 'root', pid: 'host', deploy: { replicas: '2' } });
    expect(executor.volumes).toEqual(['/run/podman/podman.sock:/run/podman/podman.sock']);
  });

  it('names a build context, Dockerfile and app bundles that exist', () => {
    const nest = JSON.parse(readFileSync(join(ROOT, 'nest-cli.json'), 'utf8')) as {
      projects: Record<string, { type: string }>;
    };
    const scripts = (
      JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    const apps = Object.entries(services(example.set)).filter(([, s]) => s.build);
    expect(apps.map(([name]) => name).sort()).toEqual(['executor', 'hub-poller', 'monitor']);
    for (const [name, service] of apps) {
      const build = typeof service.build === 'string' ? { context: service.build } : service.build!;
      const context = join(ROOT, build.context);
      expect(statSync(context).isDirectory()).toBe(true);
      const dockerfile = readFileSync(join(context, build.dockerfile ?? 'Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/RUN npm ci/);
      expect(dockerfile).toMatch(/npm run build/);
      expect(scripts.build).toBeDefined();
      expect(service.command?.[0]).toBe('node');
      const app = appOf(service);
      expect({ name, app }).toEqual({ name, app: name });
      expect(nest.projects[app!]?.type).toBe('application');
      expect(existsSync(join(ROOT, 'apps', app!, 'src', 'main.ts'))).toBe(true);
    }
  });

  it.each(['hub-poller', 'executor', 'monitor'] as const)(
    'runs %s with the Node options the launchers and benchmarks use (APP_NODE_OPTIONS)',
    (app) => {
      const environment = services(example.set)[app].environment ?? {};
      expect(String(environment.NODE_OPTIONS ?? '')).toBe(APP_NODE_OPTIONS[app]);
    },
  );

  it('uses only variables that .env.example documents, and .env.example documents no other', () => {
    const used = composeVariables(composeText);
    expect([...used].filter((v) => !example.documented.has(v))).toEqual([]);
    expect([...example.documented].filter((v) => !used.has(v))).toEqual([]);
  });

  it.each(['hub-poller', 'executor', 'monitor'] as const)(
    "gives %s only keys of its config schema, and values that pass it (with .env.example's values)",
    (app) => {
      const environment = services(example.set)[app].environment ?? {};
      const keys = Object.keys(configShape(APP_CONFIG_SCHEMAS[app]));
      const unknown = Object.keys(environment).filter((k) => !keys.includes(k) && !NOT_APP_CONFIG.has(k));
      expect(unknown).toEqual([]);
      const asStrings = Object.fromEntries(
        Object.entries(environment)
          .filter(([k]) => !NOT_APP_CONFIG.has(k))
          .map(([k, v]) => [k, v === null ? '' : String(v)]),
      );
      expect(() => loadConfig(app, APP_CONFIG_SCHEMAS[app], asStrings)).not.toThrow();
    },
  );

  it('refuses to start without the hub, the broker password and the monitor token', () => {
    const { KOJI_HUB_URL: _hub, ...withoutHub } = example.set;
    expect(() => services(withoutHub)).toThrow(MissingComposeVariableError);
    expect(() => services({ ...example.set, RABBITMQ_PASSWORD: '' })).toThrow(/RABBITMQ_PASSWORD/);
    expect(() => services({ ...example.set, MONITOR_API_TOKEN: '' })).toThrow(/MONITOR_API_TOKEN/);
  });
});

describe(interpolate.name, () => {
  it.each([
    ['${A}', { A: 'x' }, 'x'],
    ['${A:-d}', { A: '' }, 'd'],
    ['${A-d}', { A: '' }, ''],
    ['${A-d}', {}, 'd'],
    ['a$$b', {}, 'a$b'],
    ['$A/${B:-y}', { A: 'x' }, 'x/y'],
  ])('%s with %j is %s', (text, env, out) => {
    expect(interpolate(text, env)).toBe(out);
  });

  it('fails on a missing required variable with its message', () => {
    expect(() => interpolate('${A:?set A}', { A: '' })).toThrow('A: set A');
    expect(interpolate('${A?set A}', { A: '' })).toBe('');
  });
});
