import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';

import { ContainerManager } from './container-manager';
import { DEFAULT_PODMAN_SOCKET } from './container-manager-options';
import { ContainerModule } from './container.module';
import { InvalidContainerRequestError } from './errors/invalid-container-request.error';

@Injectable()
class FakeConfig {
  readonly podmanSocket = '/run/other/podman.sock';
}

@Module({ providers: [FakeConfig], exports: [FakeConfig] })
class FakeConfigModule {}

describe(ContainerModule.name, () => {
  it('forRoot provides a ContainerManager on the given socket and closes it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [ContainerModule.forRoot({ socketPath: '/run/test/podman.sock' })],
    }).compile();
    const sut = moduleRef.get(ContainerManager);
    expect(sut).toBeInstanceOf(ContainerManager);
    expect(sut.socketPath).toBe('/run/test/podman.sock');

    const close = jest.spyOn(sut, 'close');
    await moduleRef.close();
    expect(close).toHaveBeenCalledTimes(1);
  });

  it('forRootAsync builds the options from injected providers', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        ContainerModule.forRootAsync({
          imports: [FakeConfigModule],
          inject: [FakeConfig],
          useFactory: (config: FakeConfig) => ({ socketPath: config.podmanSocket }),
        }),
      ],
    }).compile();
    expect(moduleRef.get(ContainerManager).socketPath).toBe('/run/other/podman.sock');
    await moduleRef.close();
  });
});

describe(ContainerManager.name, () => {
  it('defaults to the farm socket and can be closed twice', () => {
    const sut = new ContainerManager();
    expect(sut.socketPath).toBe(DEFAULT_PODMAN_SOCKET);
    sut.close();
    expect(() => sut.close()).not.toThrow();
  });

  it('refuses default labels outside io.koji-farm. or spoofing an owner label', () => {
    expect(() => new ContainerManager({ defaultLabels: { team: 'x', 'io.koji-farm.task': '1' } })).toThrow(
      InvalidContainerRequestError,
    );
    expect(() => new ContainerManager({ defaultLabels: { team: 'x' } })).toThrow(
      'defaultLabels.team: must start with io.koji-farm.',
    );
  });
});
