import { ActionNotAllowed } from './action-not-allowed';
import { AuthError } from './auth-error';
import { AuthExpired } from './auth-expired';
import { AuthLockError } from './auth-lock-error';
import { BuildError } from './build-error';
import { BuildrootError } from './buildroot-error';
import { faultFromCode } from './fault-registry';
import { FunctionDeprecated } from './function-deprecated';
import { GenericError } from './generic-error';
import { KojiFault } from './koji-fault';
import { LockError } from './lock-error';
import { ParameterError } from './parameter-error';
import { PostBuildError } from './post-build-error';
import { PreBuildError } from './pre-build-error';
import { RetryError } from './retry-error';
import { SequenceError } from './sequence-error';
import { ServerOffline } from './server-offline';
import { TagError } from './tag-error';

describe(faultFromCode.name, () => {
  it.each([
    [1000, GenericError, GenericError],
    [1001, LockError, GenericError],
    [1002, AuthError, GenericError],
    [1003, TagError, GenericError],
    [1004, ActionNotAllowed, GenericError],
    [1005, BuildError, GenericError],
    [1006, AuthLockError, AuthError],
    [1007, AuthExpired, AuthError],
    [1008, SequenceError, AuthError],
    [1009, RetryError, AuthError],
    [1010, PreBuildError, BuildError],
    [1011, PostBuildError, BuildError],
    [1012, BuildrootError, BuildError],
    [1013, FunctionDeprecated, GenericError],
    [1014, ServerOffline, GenericError],
    [1019, ParameterError, GenericError],
  ])('maps %i to %p, a kind of %p, as Koji does', (code, Class, Parent) => {
    const sut = faultFromCode(code, 'text of the fault', { method: 'host.getTasks' });
    expect(sut).toBeInstanceOf(Class);
    expect(sut).toBeInstanceOf(Parent);
    expect(sut).toBeInstanceOf(KojiFault);
    expect(sut.faultCode).toBe(code);
    expect(sut.faultString).toBe('text of the fault');
    expect(sut.name).toBe(Class.name);
    expect(sut.message).toBe(`text of the fault (Koji fault ${code} from host.getTasks)`);
    expect(sut.method).toBe('host.getTasks');
    expect(sut.retryable).toBe(Class === ServerOffline);
  });

  it.each([1, 1015, 1024, 4242, -3])('keeps unknown code %i and its text on a plain KojiFault', (code) => {
    const sut = faultFromCode(code, 'ValueError: bad thing');
    expect(sut.constructor).toBe(KojiFault);
    expect(sut.name).toBe('KojiFault');
    expect(sut.faultCode).toBe(code);
    expect(sut.faultString).toBe('ValueError: bad thing');
    expect(sut.retryable).toBe(false);
  });

  it('records how many times the request was sent', () => {
    expect(faultFromCode(1009, 'unable to retry', { attempts: 2 }).attempts).toBe(2);
    expect(faultFromCode(1009, 'unable to retry').attempts).toBe(1);
  });
});
