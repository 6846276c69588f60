import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@koji-farm/messaging';
import { KojiFarmLoggerModule } from '@koji-farm/observability';
import { MONITOR_CONFIG, type MonitorConfig } from './config/monitor.config';

/** Root module of the monitor. */
@Module({})
export class MonitorModule {
  static forRoot(config: MonitorConfig): DynamicModule {
    return {
      module: MonitorModule,
      imports: [
        KojiFarmLoggerModule.forRoot('monitor', config.log),
        MessagingModule.forRoot({
          url: config.amqp.url,
          namespace: config.amqp.namespace,
          connectionName: 'monitor',
        }),
      ],
      providers: [{ provide: MONITOR_CONFIG, useValue: config }],
    };
  }
}
