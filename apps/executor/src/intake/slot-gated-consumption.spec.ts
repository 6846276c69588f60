import { type ConsumerHandle } from '@koji-farm/messaging';
import { SlotGatedConsumption } from './slot-gated-consumption';

/** Fake consumers: one per arch, their prefetch, and whether they were cancelled. */
class Subscriptions {
  readonly consumers: Array<{ queue: string; prefetch: number; cancelled: boolean }> = [];
  subscribeCalls = 0;
  failNext = false;

  subscribe = (prefetch: number): Promise<ConsumerHandle[]> => {
    this.subscribeCalls++;
    if (this.failNext) {
      this.failNext = false;
      return Promise.reject(new Error('broker unreachable'));
    }
    const handles = ['x86_64', 'noarch'].map((arch) => {
      const state = { queue: `koji.tasks.${arch}`, prefetch, cancelled: false };
      this.consumers.push(state);
      const handle: ConsumerHandle = {
        queue: state.queue,
        setPrefetch: (n) => {
          if (this.failNext) {
            this.failNext = false;
            return Promise.reject(new Error('channel closed'));
          }
          state.prefetch = n;
          return Promise.resolve();
        },
        cancel: () => {
          state.cancelled = true;
          return Promise.resolve();
        },
      };
      return handle;
    });
    return Promise.resolve(handles);
  };

  get prefetches(): number[] {
    return this.consumers.map((c) => c.prefetch);
  }

  get live(): number {
    return this.consumers.filter((c) => !c.cancelled).length;
  }
}

describe('SlotGatedConsumption', () => {
  let free: number;
  let subs: Subscriptions;
  let errors: unknown[];
  let sut: SlotGatedConsumption;

  beforeEach(() => {
    free = 2;
    subs = new Subscriptions();
    errors = [];
    sut = new SlotGatedConsumption(
      () => free,
      subs.subscribe,
      (err) => errors.push(err),
    );
  });

  afterEach(() => sut.close());

  it('subscribes every arch with prefetch = the free slots', async () => {
    await sut.update();
    expect(subs.prefetches).toEqual([2, 2]);
    expect(sut.currentPrefetch).toBe(2);
  });

  it('pauses while no slot is free and resumes with what is free again, on the same consumers', async () => {
    await sut.update();
    free = 0;
    await sut.update();
    expect(subs.prefetches).toEqual([0, 0]);
    expect(sut.currentPrefetch).toBe(0);
    free = 1;
    await sut.update();
    expect(subs.prefetches).toEqual([1, 1]);
    expect(subs.subscribeCalls).toBe(1);
    expect(subs.live).toBe(2);
  });

  it('starts paused when no slot is free at the start', async () => {
    free = 0;
    await sut.update();
    expect(subs.prefetches).toEqual([0, 0]);
  });

  it('runs concurrent updates one after another and ends in line with the last state', async () => {
    const updates = [sut.update()];
    free = 1;
    updates.push(sut.update());
    free = 0;
    updates.push(sut.update());
    await Promise.all(updates);
    expect(subs.prefetches).toEqual([0, 0]);
    expect(sut.currentPrefetch).toBe(0);
  });

  it('reports a failed subscription and tries again on the next update', async () => {
    subs.failNext = true;
    await sut.update();
    expect(errors).toEqual([new Error('broker unreachable')]);
    await sut.update();
    expect(subs.subscribeCalls).toBe(2);
    expect(subs.prefetches).toEqual([2, 2]);
  });

  it('reports a failed change and applies it again on the next update', async () => {
    await sut.update();
    free = 1;
    subs.failNext = true;
    await sut.update();
    expect(errors).toEqual([new Error('channel closed')]);
    await sut.update();
    expect(subs.prefetches).toEqual([1, 1]);
  });

  it('cancels everything on close and stays closed', async () => {
    await sut.update();
    await sut.close();
    expect(subs.live).toBe(0);
    free = 1;
    await sut.update();
    expect(subs.prefetches).toEqual([2, 2]);
  });
});
