/**
 * Koji's exception family (koji/__init__.py), mirrored as one table of classes: the
 * hub turns each into a fault with the class's `faultCode` and `str(e)` as text.
 * Kept in one file on purpose (ADR 0031): it is a transcription of Koji's list, and
 * the simulator raises them exactly where the hub raises the Python ones.
 */
export class GenericError extends Error {
  static readonly faultCode: number = 1000;
  override readonly name: string = 'GenericError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }

  get faultCode(): number {
    return (this.constructor as typeof GenericError).faultCode;
  }
}

export class LockError extends GenericError {
  static override readonly faultCode: number = 1001;
  override readonly name: string = 'LockError';
}
export class AuthError extends GenericError {
  static override readonly faultCode: number = 1002;
  override readonly name: string = 'AuthError';
}
export class TagError extends GenericError {
  static override readonly faultCode: number = 1003;
  override readonly name: string = 'TagError';
}
export class ActionNotAllowed extends GenericError {
  static override readonly faultCode: number = 1004;
  override readonly name: string = 'ActionNotAllowed';
}
export class BuildError extends GenericError {
  static override readonly faultCode: number = 1005;
  override readonly name: string = 'BuildError';
}
export class AuthLockError extends AuthError {
  static override readonly faultCode: number = 1006;
  override readonly name: string = 'AuthLockError';
}
export class AuthExpired extends AuthError {
  static override readonly faultCode: number = 1007;
  override readonly name: string = 'AuthExpired';
}
export class SequenceError extends AuthError {
  static override readonly faultCode: number = 1008;
  override readonly name: string = 'SequenceError';
}
export class RetryError extends AuthError {
  static override readonly faultCode: number = 1009;
  override readonly name: string = 'RetryError';
}
export class PreBuildError extends BuildError {
  static override readonly faultCode: number = 1010;
  override readonly name: string = 'PreBuildError';
}
export class PostBuildError extends BuildError {
  static override readonly faultCode: number = 1011;
  override readonly name: string = 'PostBuildError';
}
export class BuildrootError extends BuildError {
  static override readonly faultCode: number = 1012;
  override readonly name: string = 'BuildrootError';
}
export class FunctionDeprecated extends GenericError {
  static override readonly faultCode: number = 1013;
  override readonly name: string = 'FunctionDeprecated';
}
export class ServerOffline extends GenericError {
  static override readonly faultCode: number = 1014;
  override readonly name: string = 'ServerOffline';
}
export class ParameterError extends GenericError {
  static override readonly faultCode: number = 1019;
  override readonly name: string = 'ParameterError';
}
