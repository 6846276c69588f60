import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { pinoOptions, type LoggingConfig } from './logger-options';

/**
 * nestjs-pino wired the koji-farm way. HTTP request logging is kept to one line per
 * request, at debug for health and metrics probes so they do not drown the log.
 */
@Module({})
export class KojiFarmLoggerModule {
  static forRoot(app: string, config: LoggingConfig): DynamicModule {
    return {
      module: KojiFarmLoggerModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            ...pinoOptions(app, config),
            autoLogging: { ignore: (req) => /^\/(healthz|readyz|metrics)/.test(req.url ?? '') },
            quietReqLogger: true,
          },
        }),
      ],
      exports: [LoggerModule],
    };
  }
}
