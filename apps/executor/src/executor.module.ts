import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@koji-farm/messaging';
import { KojiFarmLoggerModule } from '@koji-farm/observability';
import { EXECUTOR_CONFIG, type ExecutorConfig } from './config/executor.config';

/** Root module of the executor. */
@Module({})
export class ExecutorModule {
  static forRoot(config: ExecutorConfig): DynamicModule {
    return {
      module: ExecutorModule,
      imports: [
        KojiFarmLoggerModule.forRoot('executor', config.log),
        MessagingModule.forRoot({
          url: config.amqp.url,
          namespace: config.amqp.namespace,
          connectionName: `executor ${config.executorId}`,
        }),
      ],
      providers: [{ provide: EXECUTOR_CONFIG, useValue: config }],
    };
  }
}
