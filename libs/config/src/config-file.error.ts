/** The optional configuration file named by KOJI_FARM_CONFIG_FILE could not be read. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';

  constructor(
    readonly path: string,
    options: { cause: unknown },
  ) {
    super(
      `Cannot read configuration file ${path}: ${String((options.cause as Error)?.message ?? options.cause)}`,
      options,
    );
  }
}
