import { type Provider } from '@nestjs/common';
import pino, { type DestinationStream } from 'pino';
import { type LoggerLike, pinoOptions } from '@koji-farm/observability';
import { HUB_POLLER_CONFIG, type HubPollerConfig } from '../config/hub-poller.config';

/** The poller's pino logger (secrets redacted by libs/observability), bound to its id. */
export const POLLER_LOGGER = Symbol('POLLER_LOGGER');
/** Where that logger writes instead of stdout (tests), or null. */
export const POLLER_LOG_STREAM = Symbol('POLLER_LOG_STREAM');

/**
 * A pino instance of the poller's own rather than nestjs-pino's, whose out-of-request
 * logger is one per process: two pollers in one test process would share it.
 */
export const pollerLoggerProvider: Provider = {
  provide: POLLER_LOGGER,
  inject: [HUB_POLLER_CONFIG, POLLER_LOG_STREAM],
  useFactory: (config: HubPollerConfig, stream: DestinationStream | null): LoggerLike => {
    const options = pinoOptions('hub-poller', config.log);
    const root = stream ? pino({ ...options, transport: undefined }, stream) : pino(options);
    return root.child({ pollerId: config.pollerId });
  },
};
