import {
  Module,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationShutdown,
} from '@nestjs/common';

import { CONTAINER_MANAGER_OPTIONS } from './container.constants';
import { ContainerManager } from './container-manager';
import type { ContainerManagerOptions } from './container-manager-options';

/** `forRootAsync` options: build the manager's options from other providers (e.g. the app config). */
export interface ContainerModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  useFactory: (...args: never[]) => ContainerManagerOptions | Promise<ContainerManagerOptions>;
  inject?: FactoryProvider['inject'];
}

/**
 * Provides one {@link ContainerManager} (exported) and closes it on shutdown.
 *
 * ```ts
 * ContainerModule.forRoot({ socketPath: '/run/podman/podman.sock' })
 * ContainerModule.forRootAsync({ inject: [EXECUTOR_CONFIG], useFactory: (c: ExecutorConfig) => ({ socketPath: c.podmanSocket }) })
 * ```
 */
@Module({})
export class ContainerModule implements OnApplicationShutdown {
  constructor(private readonly manager: ContainerManager) {}

  static forRoot(options: ContainerManagerOptions = {}): DynamicModule {
    return ContainerModule.build([{ provide: CONTAINER_MANAGER_OPTIONS, useValue: options }]);
  }

  static forRootAsync(options: ContainerModuleAsyncOptions): DynamicModule {
    return ContainerModule.build(
      [{ provide: CONTAINER_MANAGER_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] }],
      options.imports,
    );
  }

  private static build(
    providers: DynamicModule['providers'] & object,
    imports: ModuleMetadata['imports'] = [],
  ): DynamicModule {
    return {
      module: ContainerModule,
      imports,
      providers: [
        ...providers,
        {
          provide: ContainerManager,
          useFactory: (options: ContainerManagerOptions) => new ContainerManager(options),
          inject: [CONTAINER_MANAGER_OPTIONS],
        },
      ],
      exports: [ContainerManager],
    };
  }

  onApplicationShutdown(): void {
    this.manager.close();
  }
}
