import { type ConsumerHandle } from '@koji-farm/messaging';
import { SlotGatedConsumption } from './slot-gated-consumption';

/** Fake consumers, one per queue: their limit, what they hold, whether cancelled. */
class Subscriptions {
  readonly consumers: Array<{ queue: string; limit: number; held: number; cancelled: boolean }> = [];
  subscribeCalls = 0;
  failNext = false;

  constructor(private readonly queues: string[]) {}

  subscribe = (limit: number): Promise<ConsumerHandle[]> => {
    this.subscribeCalls++;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('broker unreachable'));
    }
    const handles = this.queues.map((queue) => {
      const state = { queue, limit, held: 0, cancelled: false };
      this.consumers.push(state);
      const handle: ConsumerHandle = {
        queue,
        setPrefetch: (n) => {
          if (this.failNext) {
            this.failNext = false;
            return Promise.reject(new Error('channel closed'));
          }
          state.limit = n;
          return Promise.resolve();
        },
        held: () => state.held,
        cancel: () => {
          state.cancelled = true;
          return Promise.resolve();
        },
      };
      return handle;
    });
    return Promise.resolve(handles);
  };

  get limits(): number[] {
    return this.consumers.map((c) => c.limit);
  }

  get live(): number {
    return this.consumers.filter((c) => !c.cancelled).length;
  }
}

describe(SlotGatedConsumption.name, () => {
  let gate: { size: number; free: number; ok: boolean; accepting: () => boolean };
  let errors: unknown[];

  beforeEach(() => {
    gate = {
      size: 2,
      free: 2,
      ok: true,
      accepting: () => gate.ok,
    };
    errors = [];
  });

  describe('one queue', () => {
    let subs: Subscriptions;
    let sut: SlotGatedConsumption;
    beforeEach(() => {
      subs = new Subscriptions(['koji.tasks.x86_64']);
      sut = new SlotGatedConsumption(gate, subs.subscribe, (err) => errors.push(err));
    });
    afterEach(() => sut.close());

    it('holds the limit at the pool size whatever the free slots: nothing to cancel, nothing handed back', async () => {
      await sut.update();
      expect(subs.limits).toEqual([2]);
      for (const free of [1, 0, 1, 2]) {
        gate.free = free;
        subs.consumers[0].held = 2 - free;
        await sut.update();
        expect(subs.limits).toEqual([2]);
      }
      expect(subs.subscribeCalls).toBe(1);
    });

    it('pauses while the pool does not accept and resumes with the pool size, on the same consumer', async () => {
      await sut.update();
      gate.ok = false;
      await sut.update();
      expect(sut.currentLimits).toEqual([0]);
      gate.ok = true;
      await sut.update();
      expect(sut.currentLimits).toEqual([2]);
      expect(subs.subscribeCalls).toBe(1);
      expect(subs.live).toBe(1);
    });

    it('starts paused when the pool does not accept at the start', async () => {
      gate.ok = false;
      await sut.update();
      expect(subs.limits).toEqual([0]);
    });
  });

  describe('several queues', () => {
    let subs: Subscriptions;
    let sut: SlotGatedConsumption;
    beforeEach(() => {
      subs = new Subscriptions(['koji.tasks.x86_64', 'koji.tasks.noarch']);
      sut = new SlotGatedConsumption(gate, subs.subscribe, (err) => errors.push(err));
    });
    afterEach(() => sut.close());

    it('gives each queue the free slots, keeps the limit while a slot is free, and lowers it to what each holds once none is', async () => {
      await sut.update();
      expect(subs.limits).toEqual([2, 2]);
      // x86_64 delivered one: one slot free, nobody's limit lowered
      gate.free = 1;
      subs.consumers[0].held = 1;
      await sut.update();
      expect(subs.limits).toEqual([2, 2]);
      // and another: none free, each may hold only what it holds
      gate.free = 0;
      subs.consumers[0].held = 2;
      await sut.update();
      expect(subs.limits).toEqual([2, 0]);
      // one settles: each may take one more
      gate.free = 1;
      subs.consumers[0].held = 1;
      await sut.update();
      expect(subs.limits).toEqual([2, 1]);
    });

    it('runs concurrent updates one after another and ends in line with the last state', async () => {
      const updates = [sut.update()];
      gate.free = 1;
      updates.push(sut.update());
      gate.free = 0;
      updates.push(sut.update());
      await Promise.all(updates);
      expect(subs.limits).toEqual([0, 0]);
      expect(sut.currentLimits).toEqual([0, 0]);
    });

    it('reports a failed subscription and tries again on the next update', async () => {
      subs.failNext = true;
      await sut.update();
      expect(errors).toEqual([new Error('broker unreachable')]);
      await sut.update();
      expect(subs.subscribeCalls).toBe(2);
      expect(subs.limits).toEqual([2, 2]);
    });

    it('reports a failed change and applies it again on the next update', async () => {
      await sut.update();
      gate.free = 0;
      subs.failNext = true;
      await sut.update();
      expect(errors).toEqual([new Error('channel closed')]);
      await sut.update();
      expect(subs.limits).toEqual([0, 0]);
    });

    it('cancels everything on close and stays closed', async () => {
      await sut.update();
      await sut.close();
      expect(subs.live).toBe(0);
      gate.free = 1;
      await sut.update();
      expect(subs.limits).toEqual([2, 2]);
    });
  });
});
