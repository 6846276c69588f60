import { bindArgs, optsStruct } from './task-args';
import { TaskFailureError } from '../tasks/errors/task-failure.error';

const newRepo = {
  method: 'newRepo',
  params: ['tag', 'event', 'src', 'debuginfo', 'separate_src', 'opts'],
  required: 1,
};

describe(bindArgs.name, () => {
  it('binds positional arguments and leaves absent optional ones None', () => {
    expect(bindArgs(newRepo, ['f40-build', 7])).toEqual({
      tag: 'f40-build',
      event: 7,
      src: null,
      debuginfo: null,
      separate_src: null,
      opts: null,
    });
  });

  it('reads keyword arguments from a final __starstar struct, as the hub stores them', () => {
    const sut = bindArgs(newRepo, [
      { id: 3, name: 'f40-build' },
      { opts: { src: true }, __starstar: true },
    ]);
    expect(sut.tag).toEqual({ id: 3, name: 'f40-build' });
    expect(sut.opts).toEqual({ src: true });
  });

  it('keeps a final struct without __starstar as a positional argument', () => {
    expect(
      bindArgs({ method: 'build', params: ['src', 'target', 'opts'], required: 2 }, [
        'x',
        't',
        { scratch: true },
      ]).opts,
    ).toEqual({
      scratch: true,
    });
  });

  it('fails with ParameterError for missing, surplus, unknown and doubled arguments', () => {
    const check = (request: Parameters<typeof bindArgs>[1], text: RegExp) => {
      const run = () => bindArgs(newRepo, request);
      expect(run).toThrow(TaskFailureError);
      expect(run).toThrow(text);
      try {
        run();
      } catch (err) {
        expect((err as TaskFailureError).faultCode).toBe(1019);
      }
    };
    check([], /missing required argument: 'tag'/);
    check([1, 2, 3, 4, 5, 6, 7], /takes at most 6 arguments \(7 given\)/);
    check(['t', { color: 'red', __starstar: true }], /unexpected keyword argument 'color'/);
    check(['t', { tag: 'u', __starstar: true }], /multiple values for argument 'tag'/);
  });
});

describe(optsStruct.name, () => {
  it('treats None as no options and refuses what is not a struct', () => {
    expect(optsStruct('build', null)).toEqual({});
    expect(() => optsStruct('build', 'scratch')).toThrow(/opts must be a struct/);
  });
});
