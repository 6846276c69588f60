import { decodeRequest, decodeResponse } from './decode';
import { XmlRpcDecodeError } from './xmlrpc-decode-error';

const response = (value: string): string =>
  `<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value>${value}</value>\n</param>\n</params>\n</methodResponse>\n`;

function decodeError(run: () => unknown): XmlRpcDecodeError {
  try {
    run();
  } catch (err) {
    if (err instanceof XmlRpcDecodeError) return err;
    throw err;
  }
  throw new Error('expected an XmlRpcDecodeError');
}

describe('decodeResponse', () => {
  it.each([
    ['<nil/>', null],
    ['<ex:nil/>', null],
    ['<int>42</int>', 42],
    ['<i4>-7</i4>', -7],
    ['<i8>4294967296</i8>', 4294967296],
    ['<i8>9007199254740993</i8>', 9007199254740993n],
    ['<i8>-9223372036854775808</i8>', -9223372036854775808n],
    ['<double>1.5</double>', 1.5],
    ['<double>1e+21</double>', 1e21],
    ['<double>inf</double>', Infinity],
    ['<boolean>1</boolean>', true],
    ['<boolean>0</boolean>', false],
    ['<string>  spaced  </string>', '  spaced  '],
    ['<string/>', ''],
    ['untyped &amp; text', 'untyped & text'],
    ['', ''],
    ['<string><![CDATA[<raw>]]></string>', '<raw>'],
    ['<dateTime.iso8601>20261123T05:11:26</dateTime.iso8601>', '20261123T05:11:26'],
    ['<base64>aGVs\nbG8=</base64>', Buffer.from('hello')],
    ['<array><data>\n<value><int>1</int></value>\n<value>x</value></data></array>', [1, 'x']],
  ])('decodes %s', (xml, expected) => {
    expect(decodeResponse(response(xml))).toEqual({ ok: true, value: expected });
  });

  it('decodes a struct, keeping a __proto__ key as an own member', () => {
    const xml = response(
      '<struct><member><name>id</name><value><int>1</int></value></member>' +
        '<member><name>__proto__</name><value><string>p</string></value></member></struct>',
    );
    const result = decodeResponse(xml);
    expect(result.ok && result.value).toEqual({ id: 1, ['__proto__']: 'p' });
    expect(Object.getPrototypeOf(result.ok && result.value)).toBe(Object.prototype);
  });

  it('decodes a fault', () => {
    const xml =
      '<methodResponse><fault><value><struct>' +
      '<member><name>faultCode</name><value><int>1007</int></value></member>' +
      '<member><name>faultString</name><value><string>session expired</string></value></member>' +
      '</struct></value></fault></methodResponse>';
    expect(decodeResponse(xml)).toEqual({ ok: false, faultCode: 1007, faultString: 'session expired' });
  });

  it('reads a Buffer in the encoding its declaration names', () => {
    const xml = `<?xml version="1.0" encoding="ISO-8859-1"?>${response('<string>caf\u00e9</string>').replace(/^<\?xml[^>]*>/, '')}`;
    expect(decodeResponse(Buffer.from(xml, 'latin1'))).toEqual({ ok: true, value: 'café' });
  });

  it.each([
    ['not XML', 'Internal Server Error', /not XML: it starts with "Internal Server Error"/],
    ['malformed XML', '<methodResponse><params></param></methodResponse>', /malformed XML.*line 1, column/],
    ['a wrong root', '<html><body>502</body></html>', /expected a <methodResponse> document, found <html>/],
    ['an empty body', '', /no root element|incomplete/],
    ['missing params', '<methodResponse></methodResponse>', /one <params> or one <fault>, found nothing/],
    [
      'two params',
      response('1').replace('</params>', '<param><value>2</value></param></params>'),
      /exactly one param, found 2/,
    ],
    ['an unknown value tag', response('<date>x</date>'), /unknown value type <date> in result|params\[0\]/],
    ['a truncated body', response('<string>abc</string>').slice(0, 60), /truncated or incomplete XML/],
    ['a bad int', response('<int>12a</int>'), /bad <int> "12a" in params\[0\]/],
    ['a bad boolean', response('<boolean>true</boolean>'), /bad <boolean> "true"/],
    ['bad base64', response('<base64>a*b=</base64>'), /bad <base64>/],
    ['a DOCTYPE', '<!DOCTYPE x [<!ENTITY a "b">]><methodResponse/>', /DOCTYPE is not allowed/],
    ['an undefined entity', response('<string>&bogus;</string>'), /malformed XML: undefined entity/],
    ['text beside a typed value', response('junk<int>1</int>'), /unexpected text "junk" inside <value>/],
    [
      'two typed values',
      response('<int>1</int><int>2</int>'),
      /<value> holds more than one element, expected one in params\[0\]/,
    ],
    [
      'an array without data',
      response('<array><value>1</value></array>'),
      /<array> must hold exactly one <data>/,
    ],
    [
      'a member without a value',
      response('<struct><member><name>a</name></member></struct>'),
      /<member> must hold one <name> and one <value> in params\[0\]/,
    ],
    [
      'a fault without faultCode',
      '<methodResponse><fault><value><struct></struct></value></fault></methodResponse>',
      /no faultCode/,
    ],
    [
      'a fault with a string faultCode',
      '<methodResponse><fault><value><struct><member><name>faultCode</name><value>x</value></member>' +
        '<member><name>faultString</name><value>y</value></member></struct></value></fault></methodResponse>',
      /faultCode must be an integer, got string/,
    ],
    [
      'a fault without faultString',
      '<methodResponse><fault><value><struct><member><name>faultCode</name><value><int>1</int></value></member>' +
        '</struct></value></fault></methodResponse>',
      /no faultString/,
    ],
    ['invalid UTF-8', Buffer.from([0x3c, 0x61, 0xff, 0xfe, 0x3e]), /not valid utf-8/],
    [
      'an unknown encoding',
      Buffer.from('<?xml version="1.0" encoding="klingon"?><a/>'),
      /unsupported encoding "klingon"/,
    ],
  ])('rejects %s', (_what, body, message) => {
    const err = decodeError(() => decodeResponse(body));
    expect(err.message).toMatch(message);
    expect(err.retryable).toBe(false);
  });

  it('says where a nested problem is, by path and by line', () => {
    const xml = response(
      '<struct><member><name>opts</name><value><array><data>\n<value><int>1</int></value>\n<value><float32>1</float32></value>' +
        '</data></array></value></member></struct>',
    );
    const err = decodeError(() => decodeResponse(xml));
    expect(err.message).toMatch(/unknown value type <float32> in params\[0\]\.opts\[1\]/);
    expect(err.position?.line).toBe(7);
  });

  it('refuses nesting deeper than the limit instead of overflowing the stack', () => {
    const deep = '<array><data><value>'.repeat(400) + '1' + '</value></data></array>'.repeat(400);
    expect(decodeError(() => decodeResponse(response(deep))).message).toMatch(/nest deeper than/);
  });
});

describe('decodeRequest', () => {
  it('splits a final __starstar struct off as keyword arguments', () => {
    const xml =
      '<methodCall><methodName>host.subtask</methodName><params>' +
      '<param><value><string>buildArch</string></value></param>' +
      '<param><value><struct><member><name>label</name><value>x86_64</value></member>' +
      '<member><name>__starstar</name><value><boolean>1</boolean></value></member></struct></value></param>' +
      '</params></methodCall>';
    expect(decodeRequest(xml)).toEqual({
      method: 'host.subtask',
      params: ['buildArch'],
      kwargs: { label: 'x86_64' },
    });
  });

  it('keeps a final struct whose __starstar is false as a positional argument', () => {
    const xml =
      '<methodCall><methodName>m</methodName><params><param><value><struct>' +
      '<member><name>__starstar</name><value><boolean>0</boolean></value></member></struct></value></param></params></methodCall>';
    expect(decodeRequest(xml)).toEqual({ method: 'm', params: [{ __starstar: false }], kwargs: {} });
  });

  it('reads a call without <params> as a call without arguments', () => {
    expect(decodeRequest('<methodCall><methodName>echo</methodName></methodCall>')).toEqual({
      method: 'echo',
      params: [],
      kwargs: {},
    });
  });

  it.each([
    ['a response document', '<methodResponse/>', /expected a <methodCall> document, found <methodResponse>/],
    ['no method name', '<methodCall><params/></methodCall>', /<methodName> is missing/],
    ['an empty method name', '<methodCall><methodName> </methodName></methodCall>', /<methodName> is empty/],
    [
      'a param without a value',
      '<methodCall><methodName>m</methodName><params><param/></params></methodCall>',
      /<param> must hold exactly one <value>, found nothing in params\[0\]/,
    ],
  ])('rejects %s', (_what, body, message) => {
    expect(decodeError(() => decodeRequest(body)).message).toMatch(message);
  });
});
