import './wasm-liftoff-only';
import 'reflect-metadata';
import { bootstrapApp } from '@koji-farm/runtime';
import { executorConfigSchema } from './config/executor.config';
import { ExecutorModule } from './executor.module';

void bootstrapApp({
  app: 'executor',
  schema: executorConfigSchema,
  module: (config) => ExecutorModule.forRoot(config),
});
