import { type PodmanVersion } from '@koji-farm/container';
import { podmanVersionWithin } from './hw-info';

const VERSION: PodmanVersion = {
  version: '4.3.1',
  apiVersion: '4.3.1',
  kernelVersion: '6.1.0',
  platform: 'linux/amd64',
  components: [],
};

describe(podmanVersionWithin.name, () => {
  it("gives Podman's answer", async () => {
    await expect(podmanVersionWithin({ version: () => Promise.resolve(VERSION) }, 60_000)).resolves.toEqual(
      VERSION,
    );
  });

  it('says why when Podman refuses, instead of failing the build', async () => {
    const refused = () => Promise.reject(new Error('Podman API unavailable at /run/podman/podman.sock'));
    await expect(podmanVersionWithin({ version: refused }, 60_000)).resolves.toBe(
      'Podman API unavailable at /run/podman/podman.sock',
    );
  });

  it('stops waiting for a Podman that does not answer', async () => {
    const never = () => new Promise<PodmanVersion>(() => undefined);
    await expect(podmanVersionWithin({ version: never }, 10)).resolves.toBe(
      'Podman did not answer /version within 10 ms',
    );
  });
});
