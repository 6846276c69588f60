import { SerialLane } from './serial-lane';

function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: Error) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe(SerialLane.name, () => {
  it('runs one job at a time, in arrival order', async () => {
    const sut = new SerialLane();
    const events: string[] = [];
    const first = deferred();
    const a = sut.run(async () => {
      events.push('a start');
      await first.promise;
      events.push('a end');
    });
    const b = sut.run(() => {
      events.push('b');
      return Promise.resolve(2);
    });
    await Promise.resolve();
    expect(events).toEqual(['a start']);
    first.resolve();
    await expect(b).resolves.toBe(2);
    await a;
    expect(events).toEqual(['a start', 'a end', 'b']);
  });

  it('keeps going after a failed job', async () => {
    const sut = new SerialLane();
    const failing = sut.run(() => Promise.reject(new Error('boom')));
    const next = sut.run(() => Promise.resolve('ok'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('never runs a job aborted while it waited', async () => {
    const sut = new SerialLane();
    const gate = deferred();
    const busy = sut.run(() => gate.promise);
    const controller = new AbortController();
    const job = jest.fn(() => Promise.resolve());
    const queued = sut.run(job, controller.signal);
    controller.abort(new Error('cancelled'));
    gate.resolve();
    await busy;
    await expect(queued).rejects.toThrow('cancelled');
    expect(job).not.toHaveBeenCalled();
  });
});
