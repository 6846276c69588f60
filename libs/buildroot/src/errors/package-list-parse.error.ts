/** The installed-package list printed in the buildroot has a line it cannot read. Not retried. */
export class PackageListParseError extends Error {
  override readonly name = 'PackageListParseError';
  readonly retryable = false;

  constructor(
    readonly lineNumber: number,
    readonly line: string,
  ) {
    super(
      `Cannot read line ${lineNumber} of the installed package list: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
}
