import { UploadError } from '../errors/upload-error';
import { checkUploadTarget } from './upload-target';

describe(checkUploadTarget.name, () => {
  it('accepts a task directory and normalises the path', () => {
    expect(checkUploadTarget({ path: 'tasks/1234//561234/', name: 'build.log' })).toEqual({
      path: 'tasks/1234/561234',
      name: 'build.log',
      volume: undefined,
    });
  });

  it('keeps a path that only looks like it climbs', () => {
    expect(checkUploadTarget({ path: 'tasks/../tasks/1/2', name: 'x.rpm' }).path).toBe('tasks/1/2');
  });

  it.each([
    [{ path: 'tasks/1/2', name: 'a/b.log' }, /contains "\/"/],
    [{ path: 'tasks/1/2', name: '.hidden' }, /starts with "."/],
    [{ path: 'tasks/1/2', name: '' }, /name is empty/],
    [{ path: '../etc', name: 'passwd' }, /climbs out/],
    [{ path: 'tasks/../../etc', name: 'passwd' }, /climbs out/],
    [{ path: '..', name: 'x' }, /climbs out/],
    [{ path: '/etc', name: 'passwd' }, /is absolute/],
    [{ path: '', name: 'x' }, /path is empty/],
    [{ path: '.', name: 'x' }, /path is empty/],
    [{ path: 'tasks/1/2', name: 'x\0y' }, /NUL/],
    [{ path: 'tasks/1/2', name: 'x', volume: 'a/b' }, /not a volume name/],
  ])('refuses %p', (target, message) => {
    expect(() => checkUploadTarget(target)).toThrow(UploadError);
    expect(() => checkUploadTarget(target)).toThrow(message);
  });
});
