/**
 * The largest cut point ≤ `limit` (and ≤ `buf.length`) that does not split a UTF-8
 * multi-byte character. Only the last three bytes before the cut are looked at; bytes
 * that are not valid UTF-8 are cut anywhere (they decode to U+FFFD either way).
 */
export function utf8Boundary(buf: Buffer, limit = buf.length): number {
  const end = Math.min(limit, buf.length);
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = buf[end - back];
    if ((byte & 0xc0) !== 0x80) {
      // A lead byte (or ASCII) `back` bytes before the cut: does its character fit?
      const size = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
      return size > back ? end - back : end;
    }
  }
  return end;
}
