import { ContainerError, type ContainerStep } from './container.error';

/**
 * The image is not in local storage and could not be pulled (pull policy `never`, no
 * registry reachable, unknown repository or tag). Not worth retrying as is: the image
 * must be built or imported first, or the task's image policy fixed.
 */
export class ImageNotFoundError extends ContainerError {
  override readonly name = 'ImageNotFoundError';

  constructor(
    readonly image: string,
    detail: string,
    context: { step: ContainerStep; cause?: unknown },
  ) {
    super(`Image ${image} not found: ${detail}`, context);
  }
}
