import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@koji-farm/messaging';
import { KojiFarmLoggerModule } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from './config/hub-poller.config';

/** Root module of the hub-poller. */
@Module({})
export class HubPollerModule {
  static forRoot(config: HubPollerConfig): DynamicModule {
    return {
      module: HubPollerModule,
      imports: [
        KojiFarmLoggerModule.forRoot('hub-poller', config.log),
        MessagingModule.forRoot({
          url: config.amqp.url,
          namespace: config.amqp.namespace,
          connectionName: `hub-poller ${config.pollerId}`,
        }),
      ],
      providers: [{ provide: HUB_POLLER_CONFIG, useValue: config }],
    };
  }
}
