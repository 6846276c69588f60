export * from './bootstrap-app';
export * from './shutdown-signals';
