import { UnsafeBuildrootValueError } from './errors/unsafe-buildroot-value.error';
import { chooseImage, type ImagePolicy } from './image-policy';

const policy: ImagePolicy = {
  defaultImage: 'localhost/default:1',
  byTag: { 'f40-build': 'localhost/f40:1' },
};
const query = { tagName: 'f40-build', arch: 'x86_64', method: 'buildArch', extra: {} };

describe(chooseImage.name, () => {
  it('uses the default when nothing else names an image', () => {
    expect(chooseImage(policy, { ...query, tagName: 'el9-build' })).toEqual({
      image: 'localhost/default:1',
      source: 'default',
    });
  });

  it('uses the per-tag map before the default', () => {
    expect(chooseImage(policy, query)).toEqual({ image: 'localhost/f40:1', source: 'tag-map' });
  });

  it("prefers the tag's extra key (hub policy) over the map", () => {
    const extra = { 'koji-farm.image': 'registry.example.com/f40:2' };
    expect(chooseImage(policy, { ...query, extra })).toEqual({
      image: 'registry.example.com/f40:2',
      source: 'tag-extra',
    });
  });

  it('ignores the extra key when hub policy is off, and reads a configured key name', () => {
    const extra = { 'koji-farm.image': 'registry.example.com/f40:2', 'site.image': 'localhost/site:3' };
    expect(chooseImage({ ...policy, hubPolicy: false }, { ...query, extra }).source).toBe('tag-map');
    expect(chooseImage({ ...policy, extraKey: 'site.image' }, { ...query, extra }).image).toBe(
      'localhost/site:3',
    );
  });

  it("matches the prior project's rule set most specific first", () => {
    const rules = [
      { type: 'default', image: 'localhost/any:1' },
      { type: 'task_type', task_type: 'buildArch', image: 'localhost/build:1' },
      { type: 'tag', tag: 'f40-build', image: 'localhost/f40-any:1' },
      { type: 'tag_arch', tag: 'f40-build', arch: 'x86_64', image: 'localhost/f40-x86:1' },
    ];
    const extra = { 'koji-farm.image': { rules } };
    expect(chooseImage(policy, { ...query, extra }).image).toBe('localhost/f40-x86:1');
    expect(chooseImage(policy, { ...query, arch: 'aarch64', extra }).image).toBe('localhost/f40-any:1');
    expect(chooseImage(policy, { ...query, tagName: 'el9', extra }).image).toBe('localhost/build:1');
    expect(chooseImage(policy, { ...query, tagName: 'el9', method: 'createrepo', extra }).image).toBe(
      'localhost/any:1',
    );
  });

  it('reads a rule set given as a JSON string and falls through when no rule matches', () => {
    const extra = {
      'koji-farm.image': JSON.stringify({ rules: [{ type: 'tag', tag: 'other', image: 'x/y:1' }] }),
    };
    expect(chooseImage(policy, { ...query, extra })).toEqual({ image: 'localhost/f40:1', source: 'tag-map' });
  });

  it('refuses a malformed rule set and an unsafe image reference with the field named', () => {
    const bad = { 'koji-farm.image': { rules: [{ type: 'tag', image: 'x' }] } };
    expect(() => chooseImage(policy, { ...query, extra: bad })).toThrow(
      /extra\["koji-farm.image"\].*rules\.0\.tag/,
    );
    expect(() => chooseImage(policy, { ...query, extra: { 'koji-farm.image': '{not json' } })).toThrow(
      UnsafeBuildrootValueError,
    );
    expect(() => chooseImage(policy, { ...query, extra: { 'koji-farm.image': 'img --privileged' } })).toThrow(
      UnsafeBuildrootValueError,
    );
  });
});
