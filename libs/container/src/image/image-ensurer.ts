import type { ImageInspectInfo } from 'dockerode';

import type { ContainerError } from '../errors/container.error';
import { ImageNotFoundError } from '../errors/image-not-found.error';
import { InvalidContainerRequestError } from '../errors/invalid-container-request.error';
import { PodmanUnavailableError } from '../errors/podman-unavailable.error';
import { podmanMessage } from '../errors/to-container-error';
import type { PodmanClient } from '../podman-client';
import { PULL_POLICIES, type EnsuredImage, type PullPolicy } from './pull-policy';

interface PullProgress {
  error?: string;
  errorDetail?: { message?: string };
}

/** Makes sure an image is in local storage according to a {@link PullPolicy}. Internal. */
export class ImageEnsurer {
  constructor(private readonly client: PodmanClient) {}

  async ensure(ref: string, policy: PullPolicy): Promise<EnsuredImage> {
    if (typeof ref !== 'string' || ref.trim() === '') {
      throw new InvalidContainerRequestError(['image reference must be a non-empty string'], {
        step: 'image',
      });
    }
    if (!PULL_POLICIES.includes(policy)) {
      throw new InvalidContainerRequestError([`pull policy must be one of ${PULL_POLICIES.join(', ')}`], {
        step: 'image',
      });
    }
    if (policy !== 'always') {
      const local = await this.findLocal(ref);
      if (local !== undefined) return { ref, id: local.Id, pulled: false };
      if (policy === 'never') {
        throw new ImageNotFoundError(ref, 'not in local storage and the pull policy is "never"', {
          step: 'image',
        });
      }
    }
    await this.pull(ref);
    const pulled = await this.findLocal(ref);
    if (pulled === undefined)
      throw new ImageNotFoundError(ref, 'pull reported success but the image is missing', { step: 'image' });
    return { ref, id: pulled.Id, pulled: true };
  }

  private async findLocal(ref: string): Promise<ImageInspectInfo | undefined> {
    try {
      // dockerode's image inspect takes no abort signal: the call's deadline still bounds it.
      return await this.client.call({ step: 'image', image: ref }, () =>
        this.client.docker.getImage(ref).inspect(),
      );
    } catch (err) {
      if (err instanceof ImageNotFoundError) return undefined;
      throw err;
    }
  }

  /**
   * Podman reports most pull failures inside a 200 progress stream, as `{error}` lines,
   * some as an HTTP error: both become an {@link ImageNotFoundError}. An unreachable
   * socket stays a (retryable) `PodmanUnavailableError`.
   */
  private async pull(ref: string): Promise<void> {
    const docker = this.client.docker;
    let progress: PullProgress[];
    try {
      progress = await this.client.unbounded({ step: 'image', image: ref }, async () => {
        const stream = await docker.pull(ref);
        return new Promise<PullProgress[]>((resolve, reject) => {
          docker.modem.followProgress(stream, (err: Error | null, output: PullProgress[]) =>
            err ? reject(err) : resolve(output),
          );
        });
      });
    } catch (err) {
      if (err instanceof PodmanUnavailableError || err instanceof ImageNotFoundError) throw err;
      throw new ImageNotFoundError(
        ref,
        `pull failed: ${podmanMessage((err as ContainerError).cause ?? err)}`,
        {
          step: 'image',
          cause: err,
        },
      );
    }
    const failure = progress.find((p) => p.error !== undefined || p.errorDetail?.message !== undefined);
    if (failure !== undefined) {
      throw new ImageNotFoundError(ref, `pull failed: ${failure.errorDetail?.message ?? failure.error}`, {
        step: 'image',
      });
    }
  }
}
