/** One configuration key that failed validation. The value itself is never kept: it may be a secret. */
export interface ConfigIssue {
  key: string;
  message: string;
}

/**
 * Thrown at boot when the configuration does not match the app's schema. Lists every bad
 * key at once, so an operator fixes them in one go instead of one restart per key.
 */
export class ConfigValidationError extends Error {
  override readonly name = 'ConfigValidationError';

  constructor(
    readonly app: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(
      `Invalid configuration for ${app} (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  - ${i.key}: ${i.message}`).join('\n'),
    );
  }
}
