import { PythonError } from '../errors/python-error';

/** What the XML-RPC unmarshaller hears from the parser, in document order. */
export interface ExpatHandlers {
  start(name: string): void;
  end(name: string): void;
  text(data: string): void;
}

const EXPAT_ERROR = 'xml.parsers.expat.ExpatError';
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const NAME_START =
  /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD\u{10000}-\u{EFFFF}]/u;
/** NameChar beyond NameStartChar: `-.0-9`, U+00B7, U+0300-036F, U+203F-2040 (code points: the combining marks upset a regex class). */
function isNameMore(cp: number): boolean {
  return (
    cp === 0x2d ||
    cp === 0x2e ||
    (cp >= 0x30 && cp <= 0x39) ||
    cp === 0xb7 ||
    (cp >= 0x300 && cp <= 0x36f) ||
    cp === 0x203f ||
    cp === 0x2040
  );
}
const WS = new Set([' ', '\t', '\n', '\r']);
/** Characters that begin a token of their own in a DTD (measured: `a>` is a syntax error, `a=` an invalid token). */
const PROLOG_TOKENS = new Set(['>', '[', ')', '|', ',', '%', '+', '*', '?']);

/**
 * Reads an XML request body as the hub's parser does (Python's pyexpat, through
 * xmlrpc's `getparser()` with defusedxml's patches), calling `h` for each element and
 * text, and raising what the hub raises, with expat's messages and positions: line
 * from 1, column from 0 in characters, e.g. `no element found: line 1, column 0` for an
 * empty body or `unclosed token: line 1, column 12` for `<methodCall><oops`. Texts were
 * measured with Python 3.11's pyexpat (expat 2.5.0), see expat-reader.spec.ts.
 *
 * An emulation of expat's tokenizer for the errors a client can plausibly make, not of
 * all of XML: DTDs are skipped (an entity declaration is refused as defusedxml does),
 * and an encoding other than UTF-8 is read as UTF-8.
 */
export function readLikeExpat(body: Buffer, h: ExpatHandlers): void {
  new ExpatReader(decodeUtf8(body), h).read();
}

class ExpatReader {
  private i = 0;
  private readonly open: string[] = [];
  private rootDone = false;

  constructor(
    private readonly s: string,
    private readonly h: ExpatHandlers,
  ) {}

  read(): void {
    if (this.s.charCodeAt(0) === 0xfeff) this.i = 1;
    this.xmlDecl();
    while (this.i < this.s.length) {
      if (this.open.length > 0) this.content();
      else if (this.rootDone) this.epilog();
      else this.prolog();
    }
    if (!this.rootDone) this.fail('no element found', this.s.length);
  }

  /**
   * `<?xml version=... encoding=... standalone=...?>` at the very start, checked as
   * expat's XmlParseXmlDecl does (the error points at the first character it cannot
   * take); an encoding Python cannot look up is a LookupError.
   */
  private xmlDecl(): void {
    if (!/^<\?xml[ \t\r\n]/.test(this.s.slice(this.i, this.i + 6))) return;
    const at = this.i;
    const after = this.until('?>', at, 'unclosed token');
    const declEnd = after - 2;
    const bad = (j: number): never => this.fail('XML declaration not well-formed', j);
    const skipWs = (j: number): number => {
      while (j < declEnd && WS.has(this.s[j])) j++;
      return j;
    };
    const order = ['version', 'encoding', 'standalone'];
    let last = -1;
    let j = at + 5;
    for (;;) {
      j = skipWs(j);
      if (j >= declEnd) break;
      const nameAt = j;
      while (j < declEnd && this.s[j] !== '=' && !WS.has(this.s[j])) j++;
      if (j >= declEnd) bad(j);
      const name = this.s.slice(nameAt, j);
      j = skipWs(j);
      if (this.s[j] !== '=' || j >= declEnd) bad(j);
      j = skipWs(j + 1);
      const quote = this.s[j];
      if (j >= declEnd || (quote !== '"' && quote !== "'")) bad(j);
      const valueAt = ++j;
      while (j < declEnd && this.s[j] !== quote) {
        if (!/[A-Za-z0-9._:-]/.test(this.s[j])) bad(j);
        j++;
      }
      if (j >= declEnd) bad(j);
      const value = this.s.slice(valueAt, j++);
      const index = order.indexOf(name);
      if (index <= last || (last < 0 && index !== 0)) bad(nameAt);
      last = index;
      if (name === 'encoding') {
        if (!/^[A-Za-z]/.test(value)) bad(valueAt);
        if (!knownEncoding(value)) throw new PythonError('LookupError', `unknown encoding: ${value}`);
      }
      if (name === 'standalone' && value !== 'yes' && value !== 'no') bad(valueAt);
      if (j < declEnd && !WS.has(this.s[j])) bad(j);
    }
    if (last < 0) bad(declEnd);
    this.i = after;
  }

  private prolog(): void {
    const c = this.s[this.i];
    if (WS.has(c)) {
      this.i++;
      return;
    }
    if (c === '<') {
      if (this.markup()) return;
      return this.startTag();
    }
    // a word where markup should be: expat's prolog reads a name token (or `#NAME`)
    let start = this.i;
    if (c === '#') {
      if (!this.isNameStart(start + 1)) this.fail('not well-formed (invalid token)', start + 1);
      start++;
    } else if (!this.isNameChar(start)) {
      this.fail('not well-formed (invalid token)', start);
    }
    const end = this.nameEnd(start);
    // after a name, a character that starts another prolog token makes a grammar error
    if (
      end >= this.s.length ||
      WS.has(this.s[end]) ||
      (this.isNameStart(start) && PROLOG_TOKENS.has(this.s[end]))
    )
      this.fail('syntax error', this.i);
    this.fail('not well-formed (invalid token)', end);
  }

  private epilog(): void {
    const c = this.s[this.i];
    if (WS.has(c)) {
      this.i++;
      return;
    }
    if (c === '<' && this.i + 1 >= this.s.length) this.fail('unclosed token', this.i);
    if (c === '<' && (this.s.startsWith('<!--', this.i) || this.s.startsWith('<?', this.i))) {
      this.markup();
      return;
    }
    if (c === '<' && this.s[this.i + 1] === '!' && this.s.indexOf('>', this.i) < 0)
      this.fail('unclosed token', this.i);
    // what would be a token before the root is junk after it; anything else cannot be a token
    const next = this.i + 1;
    if ((c === '"' || c === "'") && this.s.indexOf(c, next) < 0) this.fail('unclosed token', this.i);
    if ((c === '#' || c === '%') && next >= this.s.length) this.fail('unclosed token', this.i);
    if ('<"\'#%()[]|>,+*?'.includes(c) || this.isNameChar(this.i))
      this.fail('junk after document element', this.i);
    this.fail('not well-formed (invalid token)', this.i);
  }

  private content(): void {
    const c = this.s[this.i];
    if (c === '<') {
      if (this.s.startsWith('</', this.i)) return this.endTag();
      if (this.s.startsWith('<![CDATA[', this.i)) return this.cdata();
      if (this.markup()) return;
      if (this.s[this.i + 1] === '!') this.fail('not well-formed (invalid token)', this.i + 2);
      return this.startTag();
    }
    if (c === '&') {
      this.h.text(this.reference(false));
      return;
    }
    const start = this.i;
    while (this.i < this.s.length && this.s[this.i] !== '<' && this.s[this.i] !== '&') {
      if (this.s.startsWith(']]>', this.i)) this.fail('not well-formed (invalid token)', this.i + 2);
      this.validChar(this.i);
      this.i += this.s.codePointAt(this.i)! > 0xffff ? 2 : 1;
    }
    this.h.text(this.s.slice(start, this.i).replace(/\r\n?/g, '\n'));
  }

  /** Comments and processing instructions (and a DOCTYPE in the prolog); false if `<` starts something else. */
  private markup(): boolean {
    const at = this.i;
    if (at + 1 >= this.s.length) this.fail('unclosed token', at);
    if (this.s.startsWith('<!--', at)) {
      this.i = this.until('-->', at, 'unclosed token');
      return true;
    }
    if (this.s.startsWith('<?', at)) {
      this.processingInstruction(at);
      return true;
    }
    if (this.s.startsWith('<!DOCTYPE', at) && !this.rootDone && this.open.length === 0) {
      this.doctype();
      return true;
    }
    return false;
  }

  /** `<?target ...?>`: a name, then blanks and anything up to `?>`. */
  private processingInstruction(at: number): void {
    let j = at + 2;
    if (j >= this.s.length) this.fail('unclosed token', at);
    if (!this.isNameStart(j)) this.fail('not well-formed (invalid token)', j);
    const target = this.s.slice(j, (j = this.nameEnd(j)));
    if (j >= this.s.length) this.fail('unclosed token', at);
    if (this.s[j] === '?') {
      if (j + 1 >= this.s.length) this.fail('unclosed token', at);
      if (this.s[j + 1] !== '>') this.fail('not well-formed (invalid token)', j + 1);
    } else if (!WS.has(this.s[j])) {
      this.fail('not well-formed (invalid token)', j);
    }
    const end = this.until('?>', at, 'unclosed token');
    if (target === 'xml') this.fail('XML or text declaration not at start of entity', at);
    this.i = end;
  }

  /** Skips a DOCTYPE; an entity declaration in it is what defusedxml forbids. */
  private doctype(): void {
    let depth = 0;
    let j = this.i + 9;
    for (; j < this.s.length; j++) {
      const c = this.s[j];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth <= 0) break;
      else if (c === '"' || c === "'") {
        const close = this.s.indexOf(c, j + 1);
        if (close < 0) break;
        j = close;
      } else if (this.s.startsWith('<!ENTITY', j)) {
        const name =
          /^<!ENTITY\s+(?:%\s+)?([^\s"'>]+)(?:\s+(?:SYSTEM\s+["']([^"']*)["']|PUBLIC\s+["']([^"']*)["']))?/.exec(
            this.s.slice(j, j + 300),
          );
        const repr = (v: string | undefined) => (v === undefined ? 'None' : `'${v}'`);
        throw new PythonError(
          'defusedxml.common.EntitiesForbidden',
          `EntitiesForbidden(name='${name?.[1] ?? ''}', system_id=${repr(name?.[2])}, public_id=${repr(name?.[3])})`,
        );
      }
    }
    if (j >= this.s.length || this.s[j] !== '>') this.fail('no element found', this.s.length);
    this.i = j + 1;
  }

  private cdata(): void {
    const start = this.i + 9;
    const end = this.s.indexOf(']]>', start);
    if (end < 0) {
      const tail = /\]{1,2}$/.exec(this.s.slice(start));
      this.fail('unclosed CDATA section', tail ? this.s.length - tail[0].length : this.s.length);
    }
    for (let j = start; j < end; j++) this.validChar(j);
    this.h.text(this.s.slice(start, end).replace(/\r\n?/g, '\n'));
    this.i = end + 3;
  }

  private startTag(): void {
    const at = this.i;
    let j = at + 1;
    if (j >= this.s.length) this.fail('unclosed token', at);
    if (!this.isNameStart(j)) this.fail('not well-formed (invalid token)', j);
    const name = this.s.slice(j, (j = this.nameEnd(j)));
    const seen = new Set<string>();
    for (;;) {
      const before = j;
      while (j < this.s.length && WS.has(this.s[j])) j++;
      if (j >= this.s.length) this.fail('unclosed token', at);
      const c = this.s[j];
      if (c === '>') {
        this.i = j + 1;
        this.open.push(name);
        this.h.start(name);
        return;
      }
      if (c === '/') {
        if (j + 1 >= this.s.length) this.fail('unclosed token', at);
        if (this.s[j + 1] !== '>') this.fail('not well-formed (invalid token)', j + 1);
        this.i = j + 2;
        this.h.start(name);
        this.closed(name);
        return;
      }
      if (j === before || !this.isNameStart(j)) this.fail('not well-formed (invalid token)', j);
      const attrAt = j;
      const attr = this.s.slice(j, (j = this.nameEnd(j)));
      while (j < this.s.length && WS.has(this.s[j])) j++;
      if (j >= this.s.length) this.fail('unclosed token', at);
      if (this.s[j] !== '=') this.fail('not well-formed (invalid token)', j);
      j++;
      while (j < this.s.length && WS.has(this.s[j])) j++;
      if (j >= this.s.length) this.fail('unclosed token', at);
      const quote = this.s[j];
      if (quote !== '"' && quote !== "'") this.fail('not well-formed (invalid token)', j);
      j++;
      while (j < this.s.length && this.s[j] !== quote) {
        if (this.s[j] === '<') this.fail('not well-formed (invalid token)', j);
        if (this.s[j] === '&') {
          this.i = j;
          try {
            this.reference(true);
          } catch (err) {
            if (err instanceof PythonError && err.pyMessage.startsWith('undefined entity'))
              this.fail('undefined entity', at);
            throw err;
          }
          j = this.i;
          continue;
        }
        this.validChar(j);
        j++;
      }
      if (j >= this.s.length) this.fail('unclosed token', at);
      if (seen.has(attr)) this.fail('duplicate attribute', attrAt);
      seen.add(attr);
      j++;
    }
  }

  private endTag(): void {
    const at = this.i;
    let j = at + 2;
    if (j >= this.s.length) this.fail('unclosed token', at);
    if (!this.isNameStart(j)) this.fail('not well-formed (invalid token)', j);
    const nameAt = j;
    const name = this.s.slice(j, (j = this.nameEnd(j)));
    while (j < this.s.length && WS.has(this.s[j])) j++;
    if (j >= this.s.length) this.fail('unclosed token', at);
    if (this.s[j] !== '>') this.fail('not well-formed (invalid token)', j);
    if (name !== this.open[this.open.length - 1]) this.fail('mismatched tag', nameAt);
    this.open.pop();
    this.i = j + 1;
    this.closed(name);
  }

  private closed(name: string): void {
    this.h.end(name);
    if (this.open.length === 0) this.rootDone = true;
  }

  /** An entity or character reference at `this.i` (`&`); returns its text. */
  private reference(inAttribute: boolean): string {
    const at = this.i;
    let j = at + 1;
    if (j >= this.s.length) this.fail('unclosed token', at);
    let text: string;
    if (this.s[j] === '#') {
      j++;
      const hex = this.s[j] === 'x';
      if (hex) j++;
      const digits = hex ? /[0-9a-fA-F]/ : /[0-9]/;
      const first = j;
      while (j < this.s.length && digits.test(this.s[j])) j++;
      if (j >= this.s.length) this.fail('unclosed token', at);
      if (this.s[j] !== ';' || j === first) this.fail('not well-formed (invalid token)', j);
      const code = Number.parseInt(this.s.slice(first, j), hex ? 16 : 10);
      if (!isXmlChar(code)) this.fail('reference to invalid character number', at);
      text = String.fromCodePoint(code);
    } else {
      if (!this.isNameStart(j)) this.fail('not well-formed (invalid token)', j);
      const nameAt = j;
      j = this.nameEnd(j);
      if (j >= this.s.length) this.fail('unclosed token', at);
      if (this.s[j] !== ';') this.fail('not well-formed (invalid token)', j);
      const name = this.s.slice(nameAt, j);
      if (!(name in PREDEFINED)) this.fail('undefined entity', at);
      text = PREDEFINED[name];
    }
    this.i = j + 1;
    return inAttribute ? '' : text;
  }

  /** Index after the terminator, or an error at `at` when the input ends first. */
  private until(terminator: string, at: number, error: string): number {
    const end = this.s.indexOf(terminator, at + 2);
    if (end < 0) this.fail(error, at);
    for (let j = at; j < end; j++) this.validChar(j);
    return end + terminator.length;
  }

  private validChar(j: number): void {
    if (!isXmlChar(this.s.codePointAt(j)!)) this.fail('not well-formed (invalid token)', j);
  }

  private isNameStart(j: number): boolean {
    const cp = this.s.codePointAt(j);
    return cp !== undefined && NAME_START.test(String.fromCodePoint(cp));
  }

  private isNameChar(j: number): boolean {
    const cp = this.s.codePointAt(j);
    if (cp === undefined) return false;
    const ch = String.fromCodePoint(cp);
    return NAME_START.test(ch) || isNameMore(cp);
  }

  private nameEnd(j: number): number {
    let k = j;
    while (k < this.s.length) {
      const cp = this.s.codePointAt(k)!;
      const ch = String.fromCodePoint(cp);
      if (!NAME_START.test(ch) && !isNameMore(cp)) break;
      k += ch.length;
    }
    return k;
  }

  /** Raises expat's error with the line (from 1) and column (from 0, in characters) of `index`. */
  private fail(message: string, index: number): never {
    let line = 1;
    let column = 0;
    for (let j = this.s.charCodeAt(0) === 0xfeff ? 1 : 0; j < index; j++) {
      const code = this.s.charCodeAt(j);
      if (code === 0x0a || (code === 0x0d && this.s.charCodeAt(j + 1) !== 0x0a)) {
        line++;
        column = 0;
      } else if (code === 0x0d) {
        continue; // the \r of \r\n: the \n counts
      } else if (code < 0xdc00 || code > 0xdfff) {
        column++; // the low half of a surrogate pair is the same character
      }
    }
    throw new PythonError(EXPAT_ERROR, `${message}: line ${line}, column ${column}`);
  }
}

/** XML 1.0's Char production. */
function isXmlChar(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/**
 * The body as text; at the first byte that is not UTF-8 the text stops with U+FFFF,
 * which is no XML character either, so expat's "invalid token" lands on that byte.
 */
function decodeUtf8(body: Buffer): string {
  const bad = firstInvalidUtf8(body);
  if (bad < 0) return body.toString('utf8');
  return `${body.subarray(0, bad).toString('utf8')}\uffff`;
}

function firstInvalidUtf8(b: Buffer): number {
  for (let i = 0; i < b.length;) {
    const x = b[i];
    const n =
      x < 0x80
        ? 0
        : x >= 0xc2 && x <= 0xdf
          ? 1
          : x >= 0xe0 && x <= 0xef
            ? 2
            : x >= 0xf0 && x <= 0xf4
              ? 3
              : -1;
    if (n < 0 || i + n >= b.length) return i;
    for (let k = 1; k <= n; k++) if ((b[i + k] & 0xc0) !== 0x80) return i;
    if (n === 2 && ((x === 0xe0 && b[i + 1] < 0xa0) || (x === 0xed && b[i + 1] > 0x9f))) return i;
    if (n === 3 && ((x === 0xf0 && b[i + 1] < 0x90) || (x === 0xf4 && b[i + 1] > 0x8f))) return i;
    i += n + 1;
  }
  return -1;
}

function knownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}
