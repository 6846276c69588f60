import { ConfigValidationError } from '@koji-farm/config';
import { EXIT_CONFIG_ERROR } from '@koji-farm/runtime';
import { NamespaceInUseError } from '../farm-launcher';
import { DEMO_USAGE, parseDemoOptions } from './demo-config';
import { DemoRun } from './demo-run';

/**
 * `npm run demo`: scripts/demo.sh prepares the host and the build, then runs this.
 * Every process the demo starts is stopped on exit, whatever the cause: the end of
 * `--once`, Ctrl-C, SIGTERM or an error.
 */
async function main(): Promise<void> {
  let options;
  try {
    options = parseDemoOptions(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof ConfigValidationError || err instanceof TypeError)) throw err;
    process.stderr.write(`${err.message}\n\n${DEMO_USAGE}\n`);
    process.exit(EXIT_CONFIG_ERROR);
  }
  if (options.once && options.env.KOJI_HUB_URL) {
    process.stderr.write(
      '--once builds the sample on the bundled simulator; with KOJI_HUB_URL the demo submits nothing\n',
    );
    process.exit(EXIT_CONFIG_ERROR);
  }
  if (options.help) {
    process.stdout.write(`${DEMO_USAGE}\n`);
    return;
  }

  const write = (line: string) => void process.stdout.write(`${line}\n`);
  const abort = new AbortController();
  const run = new DemoRun(options, write, abort.signal);
  let exiting = false;
  const exit = (code: number, why: string) => {
    if (exiting) {
      write(`(${why}: still stopping the farm ...)`);
      return;
    }
    exiting = true;
    abort.abort(new Error(why));
    write(`stopping the farm (${why}) ...`);
    void run
      .stop()
      .catch((err: Error) => write(`stopping the farm failed: ${err.message}`))
      .finally(() => {
        write('farm stopped.');
        process.exit(code);
      });
  };
  // npm forwards the terminal's SIGINT too: the second one only says we are on it.
  process.on('SIGINT', () => exit(130, 'Ctrl-C'));
  process.on('SIGTERM', () => exit(143, 'SIGTERM'));
  process.on('uncaughtException', (err) => {
    process.stderr.write(`demo: ${err.stack ?? err.message}\n`);
    exit(1, 'an error');
  });

  try {
    await run.start();
    if (run.farm?.hub.simulator) await run.submitSamples();
    if (options.once) return exit(0, '--once: done');
    run.printHowToSubmit();
  } catch (err) {
    if (exiting) return;
    process.stderr.write(`\ndemo FAILED: ${(err as Error).message}\n`);
    if (err instanceof NamespaceInUseError)
      process.stderr.write('another namespace: npm run demo -- --namespace <name>\n');
    exit(1, 'a failure');
  }
}

void main();
