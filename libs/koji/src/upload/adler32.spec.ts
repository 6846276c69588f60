import fc from 'fast-check';
import { ADLER32_EMPTY, adler32, adler32Hex } from './adler32';

describe(adler32.name, () => {
  // Reference values computed with Python's zlib.adler32.
  it.each([
    ['nothing', Buffer.alloc(0), 1],
    [
      'a text',
      Buffer.concat([Buffer.from('hello '.repeat(10000)), Buffer.from('world!'.repeat(7777))]),
      695567359,
    ],
    ['0xff bytes (a signed value in adler-32)', Buffer.alloc(5000, 0xff), 0x54b27596],
  ])('matches zlib for %s', (_what, data, expected) => {
    expect(adler32(data)).toBe(expected);
  });

  it('returns unsigned values and formats them as %08x', () => {
    expect(adler32Hex(adler32(Buffer.alloc(5000, 0xff)))).toBe('54b27596');
    expect(adler32Hex(ADLER32_EMPTY)).toBe('00000001');
    expect(adler32Hex(-1)).toBe('ffffffff');
  });

  it('gives the whole-file value when run over the chunks in order', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 5000 }), fc.integer({ min: 1, max: 700 }), (bytes, chunk) => {
        const data = Buffer.from(bytes);
        let running = ADLER32_EMPTY;
        for (let i = 0; i < data.length; i += chunk) running = adler32(data.subarray(i, i + chunk), running);
        expect(running).toBe(adler32(data));
      }),
    );
  });
});
