import 'reflect-metadata';
import { bootstrapApp } from '@koji-farm/runtime';
import { monitorConfigSchema } from './config/monitor.config';
import { MonitorModule } from './monitor.module';

void bootstrapApp({
  app: 'monitor',
  schema: monitorConfigSchema,
  module: (config) => MonitorModule.forRoot(config),
  http: (config) => ({ host: config.http.host, port: config.http.port }),
});
