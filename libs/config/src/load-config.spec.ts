import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { commonConfigShape, mapCommonConfig } from './common-config';
import { ConfigFileError } from './config-file.error';
import { ConfigValidationError } from './config-validation.error';
import { envBoolean, envInt, envList } from './env-types';
import { CONFIG_FILE_VARIABLE, loadConfig, readConfigSource } from './load-config';

const schema = z
  .object({
    ...commonConfigShape,
    SLOTS: envInt({ min: 1 }).default(2),
    ARCHES: envList(z.string().regex(/^\w+$/)).default(['x86_64']),
    KEEP: envBoolean().default(false),
    SECRET_TOKEN: z.string().min(20),
  })
  .transform((env) => ({ ...mapCommonConfig(env), slots: env.SLOTS, arches: env.ARCHES, keep: env.KEEP }));

describe(loadConfig.name, () => {
  it('applies defaults and maps into the typed object', () => {
    const sut = loadConfig('test', schema, {
      SECRET_TOKEN: 'x'.repeat(20),
      ARCHES: 'x86_64, aarch64,',
      KEEP: 'yes',
    });
    expect(sut).toMatchObject({
      slots: 2,
      arches: ['x86_64', 'aarch64'],
      keep: true,
      amqp: { url: 'amqp://guest:guest@127.0.0.1:5672', namespace: '' },
      redis: { keyPrefix: 'kf:' },
      log: { level: 'info', pretty: false },
    });
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig('test', schema, { SECRET_TOKEN: 'x'.repeat(20), SLOTS: '' }).slots).toBe(2);
  });

  it('lists every bad key at once and never the value', () => {
    const attempt = () =>
      loadConfig('executor', schema, {
        SLOTS: '0',
        KEEP: 'perhaps',
        AMQP_URL: 'http://rabbit',
        LOG_LEVEL: 'loud',
        SECRET_TOKEN: 'hunter2',
      });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (err) {
      const error = err as ConfigValidationError;
      expect(error.issues.map((i) => i.key).sort()).toEqual([
        'AMQP_URL',
        'KEEP',
        'LOG_LEVEL',
        'SECRET_TOKEN',
        'SLOTS',
      ]);
      expect(error.message).toContain('Invalid configuration for executor (5 problems)');
      expect(error.message).toContain('SLOTS: expected an integer ≥ 1');
      expect(error.message).not.toContain('hunter2');
    }
  });
});

describe(readConfigSource.name, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kf-config-'));

  it('reads KEY=value lines from the config file and lets the environment win', () => {
    const file = join(dir, 'executor.env');
    writeFileSync(file, 'SLOTS=4\nARCHES=aarch64\n# a comment\n');
    const source = readConfigSource({ [CONFIG_FILE_VARIABLE]: file, SLOTS: '3' });
    expect(source).toMatchObject({ SLOTS: '3', ARCHES: 'aarch64' });
  });

  it('says which file it could not read', () => {
    const missing = join(dir, 'missing.env');
    expect(() => readConfigSource({ [CONFIG_FILE_VARIABLE]: missing })).toThrow(ConfigFileError);
    expect(() => readConfigSource({ [CONFIG_FILE_VARIABLE]: missing })).toThrow(missing);
  });
});
