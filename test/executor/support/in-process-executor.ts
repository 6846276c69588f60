import { PassThrough } from 'node:stream';
import { type INestMicroservice } from '@nestjs/common';
import { Logger } from 'nestjs-pino';
import { loadConfig } from '@koji-farm/config';
import { createAmqpMicroservice } from '@koji-farm/messaging';
import { executorConfigSchema, type ExecutorConfig } from '../../../apps/executor/src/config/executor.config';
import { ExecutorModule, type ExecutorModuleOptions } from '../../../apps/executor/src/executor.module';

/**
 * The executor app in the test's process, configured from a plain key/value record (as
 * main.ts reads the environment, but without touching process.env), run as main.ts runs
 * it (a microservice of the AMQP transport), its log lines captured. `stop()` runs the same shutdown hooks as SIGTERM.
 */
export class InProcessExecutor {
  private readonly lines: string[] = [];

  private constructor(
    readonly config: ExecutorConfig,
    private app?: INestMicroservice,
  ) {}

  static async start(
    env: Record<string, string>,
    options: Omit<ExecutorModuleOptions, 'logDestination'> = {},
  ): Promise<InProcessExecutor> {
    const config = loadConfig('executor', executorConfigSchema, env) as ExecutorConfig;
    const stream = new PassThrough();
    const executor = new InProcessExecutor(config);
    let pending = '';
    stream.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      executor.lines.push(...parts.filter(Boolean));
    });
    const app = await createAmqpMicroservice(
      ExecutorModule.forRoot(config, { ...options, logDestination: stream }),
      {
        bufferLogs: true,
        abortOnError: false,
      },
    );
    app.useLogger(app.get(Logger));
    app.flushLogs();
    await app.listen();
    executor.app = app;
    return executor;
  }

  /** Every log line so far (JSON). */
  get logLines(): readonly string[] {
    return this.lines;
  }

  get<T>(token: new (...args: never[]) => T): T {
    if (!this.app) throw new Error('executor not started');
    return this.app.get(token);
  }

  /** Graceful stop (the SIGTERM path). Idempotent. */
  async stop(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }
}
