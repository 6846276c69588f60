import { join } from 'node:path';
import { amqpTopology, type AmqpTopology } from '@koji-farm/contracts';
import { type AmqpConnection } from '@koji-farm/messaging';
import { HubSimulator } from '../../test/koji-hub-sim';
import { connectForTest, deleteTopology, testNamespace, TEST_AMQP_URL } from '../../test/support/amqp';
import { EventRecorder } from '../../test/executor/support/event-recorder';
import { HostSession } from '../../test/executor/support/host-session';
import { InProcessExecutor } from '../../test/executor/support/in-process-executor';
import { type DynamicModule } from '@nestjs/common';

const EXECUTOR_ID = 'bench-executor';

/**
 * A hub simulator with a build host, a RabbitMQ namespace and one in-process executor
 * that has the benchmark's handler, for timing tasks end to end.
 */
export class ExecutorBenchFarm {
  private constructor(
    private readonly sim: HubSimulator,
    private readonly host: HostSession,
    private readonly connection: AmqpConnection,
    private readonly names: AmqpTopology,
    private readonly events: EventRecorder,
    private readonly executor: InProcessExecutor,
  ) {}

  static async start(dir: string, handlerModule: DynamicModule): Promise<ExecutorBenchFarm> {
    const namespace = testNamespace('bench-overhead');
    const sim = await HubSimulator.start({ dir: join(dir, 'hub') });
    sim.admin.addHost({
      name: 'kf-builder',
      password: 'kf-builder',
      arches: 'x86_64',
      channels: ['default'],
      capacity: 100,
    });
    const host = await HostSession.login(sim);
    const connection = await connectForTest(namespace);
    const names = amqpTopology(namespace);
    const events = await EventRecorder.start(connection, names);
    const executor = await InProcessExecutor.start(
      {
        EXECUTOR_ID,
        AMQP_URL: TEST_AMQP_URL,
        AMQP_NAMESPACE: namespace,
        REDIS_KEY_PREFIX: `${namespace}:`,
        ARCHES: 'x86_64',
        SLOTS: '1',
        CONTAINER_LABELS: 'io.koji-farm.bench=true',
        WORK_DIR: join(dir, 'executor'),
        LOG_LEVEL: 'warn',
      },
      { handlerModules: [handlerModule] },
    );
    return new ExecutorBenchFarm(sim, host, connection, names, events, executor);
  }

  /** Opens a task of `method` on the hub (not timed), publishes it, waits for it to finish. */
  async runTask(method: string): Promise<{ endToEndMs: number; taskMs: number }> {
    const message = await this.host.openTask(method, [], 'x86_64');
    const start = performance.now();
    await this.connection.publish(this.names.tasksExchange, 'x86_64', message);
    const finished = await this.events.finished(message.taskId, 60_000);
    const endToEndMs = performance.now() - start;
    if (finished.state !== 'closed')
      throw new Error(`bench task ${message.taskId} ended ${finished.state}: ${finished.error?.message}`);
    return { endToEndMs, taskMs: finished.durationMs };
  }

  async stop(): Promise<void> {
    await this.executor.stop().catch(() => undefined);
    await this.events.stop().catch(() => undefined);
    await deleteTopology(this.connection, this.names, ['x86_64']).catch(() => undefined);
    await this.connection.close();
    await this.host.close().catch(() => undefined);
    await this.sim.stop();
  }
}
