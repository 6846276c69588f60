import { Test } from '@nestjs/testing';
import { KojiClient } from '../client/koji-client';
import { KojiClientFactory } from './koji-client.factory';
import { KojiModule } from './koji.module';

describe(KojiModule.name, () => {
  it('provides a factory that builds clients from the registered options', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [KojiModule.register({ hubUrl: 'http://127.0.0.1:9/kojihub/', retry: { maxRetries: 2 } })],
    }).compile();
    const sut = moduleRef.get(KojiClientFactory);
    const client = sut.create();
    const task = sut.fromSession({ id: 5, key: '5-key' }, { callnumStart: 7 });
    try {
      expect(client).toBeInstanceOf(KojiClient);
      expect(client.options.hubUrl).toBe('http://127.0.0.1:9/kojihub');
      expect(client.options.retry.maxRetries).toBe(2);
      expect(task.sessionId).toBe(5);
      expect(task.nextCallnum).toBe(7);
    } finally {
      await client.close();
      await task.close();
      await moduleRef.close();
    }
  });

  it('takes its options from another provider with registerAsync', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [KojiModule.registerAsync({ useFactory: () => ({ hubUrl: 'https://hub.example/kojihub' }) })],
    }).compile();
    const client = moduleRef.get(KojiClientFactory).create({ topUrl: 'https://hub.example/kojifiles' });
    expect(client.options).toMatchObject({
      hubUrl: 'https://hub.example/kojihub',
      topUrl: 'https://hub.example/kojifiles',
    });
    await client.close();
    await moduleRef.close();
  });
});
