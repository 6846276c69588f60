import { settleAll } from './settle-all';

describe(settleAll.name, () => {
  it('runs at most `limit` at a time and keeps the results in order', async () => {
    let running = 0;
    let most = 0;
    const sut = await settleAll([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => setImmediate(resolve));
      running--;
      if (n === 4) throw new Error('four');
      return n * 10;
    });
    expect(most).toBe(3);
    expect(sut.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      10,
      20,
      30,
      'four',
      50,
      60,
      70,
    ]);
  });

  it('resolves at once for no items', async () => {
    await expect(settleAll([], 5, () => Promise.resolve(1))).resolves.toEqual([]);
  });
});
