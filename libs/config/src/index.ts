export * from './common-config';
export * from './config-file.error';
export * from './config-validation.error';
export * from './env-types';
export * from './load-config';
export * from './app-node-options';
