import { parseArgs } from 'node:util';
import pino from 'pino';
import { HubSimulator } from './hub-simulator';
import { seedHub } from './seed/seed-hub';

/**
 * `npm run hub-sim -- --port 8090 --dir /tmp/kojidir [--seed] [--fixtures DIR]
 *  [--run-interval-ms 1000] [--log-level info]`
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      dir: { type: 'string' },
      seed: { type: 'boolean', default: false },
      fixtures: { type: 'string' },
      'run-interval-ms': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
    },
  });
  if (!values.dir) throw new Error('--dir is required (the KojiDir to create or reuse)');
  const logger = pino({ name: 'koji-hub-sim', level: values['log-level'] });
  const sim = await HubSimulator.start({
    dir: values.dir,
    port: Number(values.port),
    host: values.host,
    runIntervalMs: values['run-interval-ms'] === undefined ? undefined : Number(values['run-interval-ms']),
    logger,
  });
  if (values.seed) {
    const seeded = await seedHub(sim, { fixturesDir: values.fixtures });
    logger.info(seeded, 'seeded');
  }
  logger.info(
    { url: sim.url, topurl: sim.topurl, admin: `${sim.baseUrl}/sim/admin/` },
    'koji hub simulator listening',
  );
  const stop = (): void => {
    sim.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
