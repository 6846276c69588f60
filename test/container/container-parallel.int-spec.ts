import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CollectingSink, ContainerManager, EXECUTOR_LABEL } from '@koji-farm/container';

import { createTestContainerManager, TEST_IMAGE, testOwner } from '../support/container-test-kit';

const PARALLEL = 4;
const ROUNDS = 5;
// A hang guard, not a speed bound: 40 lifecycles took 30 s on a quiet machine, over 120 s
// at load average 20 and over 600 s at load 30 with other sessions' builds committing
// snapshots (Podman's storage lock); 20 show the same races. Past the guard the test
// names each lifecycle still under way and its step, so a hang is told from slowness.
const HANG_GUARD_MS = 600_000;
const REPORT_AFTER_MS = HANG_GUARD_MS - 30_000;

describe(`${ContainerManager.name} under parallel use`, () => {
  let sut: ContainerManager;
  let work: string;

  beforeAll(async () => {
    sut = createTestContainerManager();
    work = await mkdtemp(join(tmpdir(), 'kf-par-'));
  });
  afterAll(async () => {
    sut.close();
    await rm(work, { recursive: true, force: true });
  });

  it(
    `runs ${PARALLEL} full lifecycles at once for ${ROUNDS} rounds without an error or a leftover`,
    async () => {
      const owner = testOwner();
      const errors: unknown[] = [];

      const underWay = new Map<string, string>();
      const lifecycle = async (round: number, slot: number): Promise<void> => {
        const key = `round ${round} slot ${slot}`;
        const at = (step: string) => underWay.set(key, `${step} since ${new Date().toISOString()}`);
        at('create');
        const handle = await sut.create({ image: TEST_IMAGE, owner: { ...owner, attempt: round } });
        try {
          at('start');
          await sut.start(handle);
          const payload = randomBytes(64 * 1024);
          at('copyTo');
          await sut.copyTo(handle, payload, '/work/payload.bin');
          at('exec');
          const sink = new CollectingSink();
          const result = await sut.exec(
            handle,
            ['sh', '-c', 'sha256sum /work/payload.bin; echo $SLOT'],
            sink,
            {
              env: { SLOT: String(slot) },
            },
          );
          expect(result.exitCode).toBe(0);
          expect(sink.stdoutText()).toBe(
            `${createHash('sha256').update(payload).digest('hex')}  /work/payload.bin\n${slot}\n`,
          );
          const out = join(work, `${round}-${slot}`);
          at('copyFrom');
          await sut.copyFrom(handle, '/work/payload.bin', out);
          expect(await readFile(join(out, 'payload.bin'))).toEqual(payload);
        } finally {
          at('remove');
          await sut.remove(handle, { force: true });
          underWay.delete(key);
        }
      };

      const rounds = (async () => {
        for (let round = 1; round <= ROUNDS; round += 1) {
          const settled = await Promise.allSettled(
            Array.from({ length: PARALLEL }, (_, slot) => lifecycle(round, slot)),
          );
          settled.forEach((s) => s.status === 'rejected' && errors.push(s.reason));
        }
      })();
      let guard: NodeJS.Timeout | undefined;
      const stuck = new Promise<never>((_, reject) => {
        guard = setTimeout(
          () =>
            reject(
              new Error(
                `lifecycles still under way after ${REPORT_AFTER_MS} ms: ` +
                  [...underWay].map(([key, step]) => `${key}: ${step}`).join('; '),
              ),
            ),
          REPORT_AFTER_MS,
        );
      });
      try {
        await Promise.race([rounds, stuck]);
      } finally {
        clearTimeout(guard);
      }

      expect(errors).toEqual([]);
      expect(await sut.listByLabel({ [EXECUTOR_LABEL]: owner.executorId })).toEqual([]);
    },
    HANG_GUARD_MS,
  );
});
