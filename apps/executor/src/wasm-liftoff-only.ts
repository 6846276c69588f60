import { setFlagsFromString } from 'node:v8';

/**
 * Keeps WebAssembly on V8's baseline compiler, Liftoff (ADR 0085). The only WebAssembly
 * the executor runs is undici's HTTP parser (llhttp, under the hub client). On the first
 * hub calls V8 recompiles it with its optimizing tier on a background thread, and that
 * one compilation takes about 30 MB of malloc'ed memory for a moment: it was the
 * executor's RSS peak when builds start (129 MB; 63 vs 98 MB of VmHWM for a bare undici
 * client). Hub replies are small XML-RPC documents: baseline code parses them as well.
 *
 * Imported first by main.ts, as the flag must be set before any WebAssembly is compiled;
 * Node refuses `--liftoff-only` in NODE_OPTIONS, so it cannot go with APP_NODE_OPTIONS.
 */
setFlagsFromString('--liftoff-only');
