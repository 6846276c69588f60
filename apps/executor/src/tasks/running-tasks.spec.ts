import { TaskCanceledError } from './errors/task-canceled.error';
import { RunningTask } from './running-task';
import { RunningTasks } from './running-tasks';
import { SlotPool } from './slot-pool';

describe(RunningTasks.name, () => {
  it('counts busy slots and load, and knows which attempt runs', () => {
    const sut = new RunningTasks();
    const a = new RunningTask(1, 1, 1, 'buildArch', 1.5);
    const b = new RunningTask(2, 3, 1, 'buildArch', 2);
    sut.add(a);
    sut.add(b);
    expect(sut.busy).toBe(2);
    expect(sut.load).toBe(3.5);
    expect(sut.isRunning(2, 3)).toBe(true);
    expect(sut.isRunning(2, 2)).toBe(false);
    sut.remove(a);
    expect(sut.all()).toEqual([b]);
  });

  it('aborts a running task on cancel with the reason', () => {
    const sut = new RunningTasks();
    const task = new RunningTask(5, 1, 1, 'buildArch', 1.5);
    sut.add(task);
    expect(sut.cancel(5, 'canceled by admin')).toBe(true);
    expect(task.signal.aborted).toBe(true);
    expect(task.signal.reason).toBeInstanceOf(TaskCanceledError);
    expect((task.signal.reason as TaskCanceledError).reason).toBe('canceled by admin');
    expect(sut.cancel(6, 'not here')).toBe(false);
  });
});

describe(SlotPool.name, () => {
  it('hands out at most `size` slots and passes a released slot to the next waiter', async () => {
    const sut = new SlotPool(1);
    await sut.acquire();
    let second = false;
    const waiting = sut.acquire().then(() => (second = true));
    await Promise.resolve();
    expect(second).toBe(false);
    sut.release();
    await waiting;
    expect(second).toBe(true);
    expect(sut.inUse).toBe(1);
    sut.release();
    expect(sut.inUse).toBe(0);
  });

  it('refuses every waiter at shutdown', async () => {
    const sut = new SlotPool(1);
    await sut.acquire();
    const waiting = sut.acquire();
    sut.refuseAll(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
  });
});
