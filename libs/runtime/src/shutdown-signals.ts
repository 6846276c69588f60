import { type INestApplicationContext } from '@nestjs/common';
import { type Logger } from 'nestjs-pino';
import pino from 'pino';
import { pinoOptions } from '@koji-farm/observability';

/**
 * Our stand-in for Nest's `enableShutdownHooks`, listening from the very start of the
 * boot. The same hooks run (app.close() calls onModuleDestroy, beforeApplicationShutdown
 * and onApplicationShutdown), but afterwards the process logs `shutdown complete` and
 * exits 0 instead of re-raising the signal, so a supervisor sees a clean exit.
 *
 * - a signal before the app exists: nothing is held yet, exit 0 at once;
 * - a signal while the app initialises: the shutdown starts as soon as it has started,
 *   so consumers that just subscribed hand their messages back properly;
 * - a second signal while shutting down forces exit 1.
 * See docs/adr/0004-shutdown-on-sigterm.md.
 */
export class ShutdownSignals {
  private app?: INestApplicationContext;
  private logger?: Logger;
  private pending?: NodeJS.Signals;
  private stopping = false;
  private isStarted = false;

  constructor(private readonly appName: string) {
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  attach(app: INestApplicationContext, logger: Logger): void {
    this.app = app;
    this.logger = logger;
  }

  /** The app is up: run a shutdown that was asked for during the boot. */
  started(): void {
    this.isStarted = true;
    if (this.pending) this.shutdown(this.pending);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.stopping) {
      this.log('warn', `${signal} received again: exiting now without finishing the shutdown`);
      process.exit(1);
    }
    if (!this.app) {
      this.log('info', `${signal} received during boot, before anything was started: exiting`);
      process.exit(0);
    }
    if (!this.isStarted) {
      this.log('info', `${signal} received while starting: shutting down once started`);
      this.pending = signal;
      return;
    }
    this.shutdown(signal);
  };

  private shutdown(signal: NodeJS.Signals): void {
    this.stopping = true;
    this.log('info', `${signal} received: shutting down`);
    this.app!.close().then(
      () => {
        this.log('info', 'shutdown complete');
        process.exit(0);
      },
      (err: unknown) => {
        this.logger?.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  }

  private log(level: 'info' | 'warn', message: string): void {
    if (this.logger) {
      if (level === 'warn') this.logger.warn(message);
      else this.logger.log(message);
      return;
    }
    const early = pino(
      pinoOptions(this.appName, { level: 'info', pretty: false }),
      pino.destination({ fd: 1, sync: true }),
    );
    early[level](message);
  }
}
