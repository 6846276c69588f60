import 'reflect-metadata';
import { bootstrapApp } from '@koji-farm/runtime';
import { hubPollerConfigSchema } from './config/hub-poller.config';
import { HubPollerModule } from './hub-poller.module';

void bootstrapApp({
  app: 'hub-poller',
  schema: hubPollerConfigSchema,
  module: (config) => HubPollerModule.forRoot(config),
  http: (config) => config.http,
});
