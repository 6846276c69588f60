import { type AmqpTopology, type FarmEvent } from '@koji-farm/contracts';
import { type AmqpConnection } from '@koji-farm/messaging';
import { amqpTopology, connectForTest, deleteTopology, testNamespace } from '../../support/amqp';
import { publishEvents } from './event-publisher';
import { type FarmScenario, generateScenario } from './farm-scenario';
import {
  deleteKeys,
  type MonitorOptions,
  type RunningMonitor,
  startMonitor,
  testKeyPrefix,
} from './monitor-harness';
import { waitForSentinel } from './rest-client';

/**
 * What most monitor tests need: a RabbitMQ connection, and per test its own namespace
 * and Redis key prefix, monitors started on them, and cleanup of all of it afterwards.
 * `install` registers the jest hooks in the calling describe block.
 */
export class MonitorTestBed {
  amqp!: AmqpConnection;
  names!: AmqpTopology;
  namespace!: string;
  keyPrefix!: string;
  private cleanups: Array<() => Promise<unknown>> = [];

  private constructor(private readonly label: string) {}

  static install(label: string): MonitorTestBed {
    const bed = new MonitorTestBed(label);
    beforeAll(async () => {
      bed.amqp = await connectForTest(`test-monitor-${label}`);
    });
    beforeEach(() => bed.begin());
    afterEach(() => bed.cleanUp());
    afterAll(() => bed.amqp.close());
    return bed;
  }

  /** Runs `cleanup` after the test (last registered, first run). */
  onCleanup(cleanup: () => Promise<unknown>): void {
    this.cleanups.push(cleanup);
  }

  async monitor(options: Partial<MonitorOptions> = {}): Promise<RunningMonitor> {
    const running = await startMonitor({ namespace: this.namespace, keyPrefix: this.keyPrefix, ...options });
    this.onCleanup(() => running.close());
    return running;
  }

  async publish(events: readonly (FarmEvent | Record<string, unknown>)[]): Promise<void> {
    await publishEvents(this.amqp, this.names, events);
  }

  /** A monitor that has folded a generated scenario of `tasks` tasks. */
  async withScenario(
    tasks = 6,
    options: Partial<MonitorOptions> = {},
    seed = 41,
  ): Promise<{ sut: RunningMonitor; scenario: FarmScenario }> {
    const scenario = generateScenario({ tasks, seed });
    const sut = await this.monitor(options);
    await this.publish([...scenario.events, scenario.sentinel]);
    await waitForSentinel(sut.url);
    return { sut, scenario };
  }

  private begin(): void {
    this.namespace = testNamespace(this.label);
    this.keyPrefix = testKeyPrefix(this.label);
    this.names = amqpTopology(this.namespace);
    const { amqp, names, keyPrefix } = this;
    this.onCleanup(() => deleteTopology(amqp, names));
    this.onCleanup(() => deleteKeys(keyPrefix));
  }

  private async cleanUp(): Promise<void> {
    const cleanups = this.cleanups.reverse();
    this.cleanups = [];
    for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  }
}
