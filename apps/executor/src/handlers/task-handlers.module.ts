import { Module } from '@nestjs/common';
import { BuildArchHandler } from './build-arch/build-arch.handler';

/**
 * The Koji methods this executor offers. Each is one `@KojiTaskHandler()` class with a
 * `@KojiMethod('name')` method; Nest finds them here (pattern handlers live on
 * controllers) and the AMQP transport routes task messages to them by method. Their
 * dependencies come from the global ExecutorModule and the libraries' global modules.
 */
@Module({
  controllers: [BuildArchHandler],
})
export class TaskHandlersModule {}
