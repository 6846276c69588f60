import { KojiFault, type KojiFaultOptions } from './koji-fault';
import { GenericError } from './generic-error';
import { LockError } from './lock-error';
import { AuthError } from './auth-error';
import { TagError } from './tag-error';
import { ActionNotAllowed } from './action-not-allowed';
import { BuildError } from './build-error';
import { AuthLockError } from './auth-lock-error';
import { AuthExpired } from './auth-expired';
import { SequenceError } from './sequence-error';
import { RetryError } from './retry-error';
import { PreBuildError } from './pre-build-error';
import { PostBuildError } from './post-build-error';
import { BuildrootError } from './buildroot-error';
import { FunctionDeprecated } from './function-deprecated';
import { ServerOffline } from './server-offline';
import { ParameterError } from './parameter-error';

type FaultClass = new (faultString: string, options?: KojiFaultOptions) => KojiFault;

const FAULT_CLASSES: ReadonlyMap<number, FaultClass> = new Map<number, FaultClass>([
  [GenericError.faultCode, GenericError],
  [LockError.faultCode, LockError],
  [AuthError.faultCode, AuthError],
  [TagError.faultCode, TagError],
  [ActionNotAllowed.faultCode, ActionNotAllowed],
  [BuildError.faultCode, BuildError],
  [AuthLockError.faultCode, AuthLockError],
  [AuthExpired.faultCode, AuthExpired],
  [SequenceError.faultCode, SequenceError],
  [RetryError.faultCode, RetryError],
  [PreBuildError.faultCode, PreBuildError],
  [PostBuildError.faultCode, PostBuildError],
  [BuildrootError.faultCode, BuildrootError],
  [FunctionDeprecated.faultCode, FunctionDeprecated],
  [ServerOffline.faultCode, ServerOffline],
  [ParameterError.faultCode, ParameterError],
]);

/**
 * The typed error for a hub fault: `AuthExpired` for 1007 and so on; any other code
 * (1 for a non-Koji server exception, or a code newer than this client) is a plain
 * {@link KojiFault} that keeps the code and the text.
 */
export function faultFromCode(faultCode: number, faultString: string, options?: KojiFaultOptions): KojiFault {
  const FaultClass = FAULT_CLASSES.get(faultCode);
  return FaultClass ? new FaultClass(faultString, options) : new KojiFault(faultCode, faultString, options);
}
