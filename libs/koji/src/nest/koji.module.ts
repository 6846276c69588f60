import { Module, type DynamicModule } from '@nestjs/common';
import type { KojiClientOptions } from '../client/koji-client-options';
import { KojiClientFactory } from './koji-client.factory';
import { KOJI_CLIENT_OPTIONS } from './koji-client-options.token';

/** Provides {@link KojiClientFactory} from options (usually mapped from libs/config). */
@Module({})
export class KojiModule {
  static register(options: KojiClientOptions): DynamicModule {
    return {
      module: KojiModule,
      providers: [{ provide: KOJI_CLIENT_OPTIONS, useValue: options }, KojiClientFactory],
      exports: [KojiClientFactory],
    };
  }

  /** When the options come from another provider (e.g. the validated app config). */
  static registerAsync(options: {
    imports?: DynamicModule['imports'];
    inject?: Array<string | symbol | (abstract new (...args: never[]) => unknown)>;
    useFactory: (...args: never[]) => KojiClientOptions | Promise<KojiClientOptions>;
  }): DynamicModule {
    return {
      module: KojiModule,
      imports: options.imports ?? [],
      providers: [
        { provide: KOJI_CLIENT_OPTIONS, useFactory: options.useFactory, inject: options.inject ?? [] },
        KojiClientFactory,
      ],
      exports: [KojiClientFactory],
    };
  }
}
