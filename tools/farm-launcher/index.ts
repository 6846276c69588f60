/**
 * The farm launcher: starts a whole koji-farm (hub simulator or an external hub,
 * hub-poller, executors, monitor) as separate processes with one consistent
 * configuration, and stops it leaving nothing behind. `npm run demo` and the end-to-end
 * tests (test/e2e) use it.
 */
export * from './errors';
export * from './farm-cleanup';
export * from './farm-environment';
export * from './farm-launcher';
export * from './farm-processes';
export * from './farm-spec';
export * from './free-port';
export * from './managed-process';
export * from './farm-pid-file';
export * from './namespace-occupancy';
