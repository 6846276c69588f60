/**
 * Codec throughput and memory on a large reply (60,000 buildroot-list-like rows,
 * about 40 MiB of XML). Run: node --expose-gc -r @swc-node/register -r tsconfig-paths/register
 * test/koji-client/bench/codec.bench.ts
 */
import { decodeResponse, encodeResponse, type KojiValue } from '@koji-farm/koji';

const rows: KojiValue[] = Array.from({ length: 60_000 }, (_, i) => ({
  id: i,
  name: `pkg-${i}`,
  version: '1.2.3',
  release: `${i}.fc40`,
  arch: 'x86_64',
  size: 123_456 + i,
  buildtime: 1_700_000_000 + i,
  payloadhash: 'a'.repeat(32),
  epoch: null,
}));

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number): string => (bytes / 1_048_576).toFixed(1);

let started = process.hrtime.bigint();
const xml = encodeResponse(rows);
const encodeMs = Number(process.hrtime.bigint() - started) / 1e6;
gc?.();
const heapBefore = process.memoryUsage().heapUsed;
started = process.hrtime.bigint();
const decoded = decodeResponse(xml);
const decodeMs = Number(process.hrtime.bigint() - started) / 1e6;
const heapAfter = process.memoryUsage().heapUsed;
if (!decoded.ok) throw new Error('decode failed');
const size = Buffer.byteLength(xml);
console.log(
  JSON.stringify({
    xmlMiB: mib(size),
    encodeMs: Math.round(encodeMs),
    decodeMs: Math.round(decodeMs),
    decodeMiBPerS: (size / 1_048_576 / (decodeMs / 1000)).toFixed(1),
    heapGrowthMiB: mib(heapAfter - heapBefore),
  }),
);
