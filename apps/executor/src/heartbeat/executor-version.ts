import { version } from '../../../../package.json';

/** The koji-farm version this executor runs, as heartbeats report it. */
export const EXECUTOR_VERSION: string = version;
