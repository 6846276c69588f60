import { GenericError, ParameterError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import { bindArgs, MethodRegistry } from './method-registry';

describe(MethodRegistry.name, () => {
  const sut = new MethodRegistry();
  sut.add('getTaskInfo', 'RootExports.getTaskInfo(self, task_id, request=False, strict=False)', () => null);
  sut.add('subtask', 'HostExports.subtask(self, method, arglist, parent, **opts)', () => null);
  sut.add('echo', 'RootExports.echo(self, *args)', () => null);
  sut.add(
    'login',
    'Session.login(self, user, password, opts=None, renew=False, exclusive=False)',
    () => null,
    'TypeError',
  );

  it('binds positional and keyword arguments with defaults', () => {
    expect(bindArgs(sut.get('getTaskInfo'), [5], { strict: true })).toEqual({
      a: { task_id: 5, request: false, strict: true },
      rest: [],
      kw: {},
    });
    expect(bindArgs(sut.get('subtask'), ['sleep', [1], 7], { label: 'x' }).kw).toEqual({ label: 'x' });
    expect(bindArgs(sut.get('echo'), [1, 2], {}).rest).toEqual([1, 2]);
  });

  it('words argument errors as CPython does, as ParameterError', () => {
    const spec = sut.get('getTaskInfo');
    const message = (params: unknown[], kw: Record<string, unknown> = {}) => {
      try {
        bindArgs(spec, params as never, kw as never);
      } catch (e) {
        expect(e).toBeInstanceOf(ParameterError);
        return (e as Error).message;
      }
      throw new Error('no error');
    };
    expect(message([])).toBe("RootExports.getTaskInfo() missing 1 required positional argument: 'task_id'");
    expect(message([1, 2, 3, 4])).toBe(
      'RootExports.getTaskInfo() takes from 2 to 4 positional arguments but 5 were given',
    );
    expect(message([1], { task_id: 2 })).toBe(
      "RootExports.getTaskInfo() got multiple values for argument 'task_id'",
    );
    expect(message([1], { nope: 2 })).toBe(
      "RootExports.getTaskInfo() got an unexpected keyword argument 'nope'",
    );
  });

  it('reports argument errors of forwarding exports as a TypeError (fault 1)', () => {
    expect(() => bindArgs(sut.get('login'), [], {})).toThrow(PythonError);
    expect(() => bindArgs(sut.get('login'), [], {})).toThrow(
      "Session.login() missing 2 required positional arguments: 'user' and 'password'",
    );
  });

  it('refuses an unknown method as GenericError "Invalid method"', () => {
    expect(() => sut.get('nope')).toThrow(new GenericError('Invalid method: nope'));
  });
});
