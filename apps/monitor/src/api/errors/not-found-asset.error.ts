import { NotFoundError } from '../../registry/errors/not-found.error';

/** A static file the monitor does not serve. */
export class NotFoundAssetError extends NotFoundError {
  override readonly name = 'NotFoundAssetError';

  constructor(readonly path: string) {
    super(`no such file: ${path}`);
  }
}
