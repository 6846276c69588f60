import { SaxesParser } from 'saxes';
import { setStructMember, type KojiValue } from './koji-value';
import { newFrame, pathOf, type Frame, type Kind } from './reader-frame';
import { parseScalar, SCALAR_TAGS } from './scalars';
import { XmlRpcDecodeError, type XmlRpcPosition } from './xmlrpc-decode-error';

/** What a whole XML-RPC document holds, before the request/response checks. */
export interface XmlRpcDocument {
  root: 'methodCall' | 'methodResponse';
  rootPosition: XmlRpcPosition;
  /** The elements directly under the root, in order. */
  rootChildren: string[];
  methodName?: string;
  /** Undefined when there was no `<params>` element. */
  params?: KojiValue[];
  /** The fault's value, when the document had a `<fault>`. */
  fault?: KojiValue;
}

/** XML-RPC nests about three elements per value level; this allows ~300 levels. */
export const MAX_ELEMENT_DEPTH = 1000;

const WHITESPACE_ONLY = /^[ \t\r\n]*$/;
const SAXES_MESSAGE = /^(?:.*?:)?(\d+):(\d+): (.*)$/s;
const TEXT_HOLDERS: ReadonlySet<Kind> = new Set(['scalar', 'name', 'methodName', 'value']);
/** The only child a container may hold, and whether it may repeat. */
const ONLY_CHILD: Partial<Record<Kind, [string, 'only' | 'exactly one']>> = {
  params: ['param', 'only'],
  param: ['value', 'exactly one'],
  fault: ['value', 'exactly one'],
  array: ['data', 'exactly one'],
  data: ['value', 'only'],
  struct: ['member', 'only'],
};

/**
 * Reads a document in one pass with saxes (strict XML 1.0, no DTD) and builds the Koji
 * values as it goes, without an intermediate tree: a large reply holds only its result
 * in memory. Namespace prefixes are dropped as Python's xmlrpc does (`<ex:nil/>`).
 * Every problem becomes an XmlRpcDecodeError saying what, in which value, and where.
 */
export function readXmlRpcDocument(xml: string, expectedRoot: XmlRpcDocument['root']): XmlRpcDocument {
  const start = /\S/.exec(xml.slice(0, 1024).replace(/^\uFEFF/, ''));
  if (start && start[0] !== '<') {
    throw new XmlRpcDecodeError(
      `the body is not XML: it starts with ${JSON.stringify(xml.trimStart().slice(0, 40))}`,
    );
  }
  const parser = new SaxesParser({ position: true });
  const doc: Partial<XmlRpcDocument> = {};
  const stack: Frame[] = [newFrame('document', '', null, 'document', '', 1, 0)];
  const failHere = (what: string, at: Frame): never => {
    throw new XmlRpcDecodeError(`${what} in ${pathOf(at)}`, { line: parser.line, column: parser.column });
  };

  parser.on('doctype', () => {
    throw new XmlRpcDecodeError('a DOCTYPE is not allowed in XML-RPC', {
      line: parser.line,
      column: parser.column,
    });
  });
  parser.on('opentag', (tag) => {
    const parent = stack[stack.length - 1];
    const colon = tag.name.indexOf(':');
    const name = colon >= 0 ? tag.name.slice(colon + 1) : tag.name;
    if (stack.length > MAX_ELEMENT_DEPTH) {
      throw new XmlRpcDecodeError(`elements nest deeper than ${MAX_ELEMENT_DEPTH}`, {
        line: parser.line,
        column: parser.column,
      });
    }
    const child = openChild(parent, name, expectedRoot, parser.line, parser.column, failHere);
    parent.children++;
    parent.childNames?.push(name);
    stack.push(child);
  });
  const onText = (text: string): void => {
    const top = stack[stack.length - 1];
    if (TEXT_HOLDERS.has(top.kind)) top.text += text;
    else if (top.kind !== 'document' && !WHITESPACE_ONLY.test(text)) {
      failHere(`unexpected text ${JSON.stringify(text.trim().slice(0, 40))} inside <${top.tag}>`, top);
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const done = stack.pop()!;
    closeChild(done, stack[stack.length - 1], doc);
  });

  let closing = false;
  try {
    parser.write(xml.charCodeAt(0) === 0xfeff ? xml.slice(1) : xml);
    closing = true;
    parser.close();
  } catch (err) {
    if (err instanceof XmlRpcDecodeError) throw err;
    throw wrapParserError(err, closing);
  }
  if (!doc.root) throw new XmlRpcDecodeError('the document has no root element');
  return doc as XmlRpcDocument;
}

type FailHere = (what: string, at: Frame) => never;

function openChild(
  parent: Frame,
  name: string,
  expectedRoot: string,
  line: number,
  column: number,
  fail: FailHere,
): Frame {
  const child = (kind: Kind, label: string | null = null, segment = ''): Frame =>
    newFrame(kind, name, parent, label, segment, line, column);
  switch (parent.kind) {
    case 'document':
      if (name !== expectedRoot) {
        throw new XmlRpcDecodeError(`expected a <${expectedRoot}> document, found <${name}>`, {
          line,
          column,
        });
      }
      return { ...child(name as Kind, name), childNames: [] };
    case 'value': {
      if (parent.children > 0) fail('<value> holds more than one element, expected one', parent);
      if (!WHITESPACE_ONLY.test(parent.text)) {
        fail(`unexpected text ${JSON.stringify(parent.text.trim().slice(0, 40))} inside <value>`, parent);
      }
      if (name === 'array') return child('array');
      if (name === 'struct') {
        const frame = child('struct');
        frame.struct = {};
        return frame;
      }
      if (!SCALAR_TAGS.has(name)) fail(`unknown value type <${name}>`, parent);
      return child('scalar');
    }
    case 'scalar':
    case 'name':
    case 'methodName':
      return fail(`<${parent.tag}> must hold only text, found <${name}>`, parent);
    case 'methodCall':
      if (name === 'methodName' && parent.children === 0) return child('methodName', 'methodCall');
      if (name === 'params' && parent.children === 1) return { ...child('params', 'params'), items: [] };
      return fail(
        parent.children === 0 ? '<methodName> is missing' : `<methodCall> may not hold <${name}> here`,
        parent,
      );
    case 'methodResponse':
      if (name === 'params') return { ...child('params', 'params'), items: [] };
      if (name === 'fault') return child('fault', 'fault');
      return fail(`<methodResponse> may hold only <params> or <fault>, found <${name}>`, parent);
    case 'member':
      if (name === 'name' && parent.memberName === null && !parent.hasValue) return child('name');
      if (name === 'value' && !parent.hasValue && parent.memberName !== null) {
        return child('value', null, `.${parent.memberName}`);
      }
      return fail(`<member> must hold one <name> and then one <value>, found <${name}>`, parent);
    default:
      break;
  }
  const [only, how] = ONLY_CHILD[parent.kind] ?? ['?', 'only'];
  if (name !== only || (how === 'exactly one' && parent.children > 0)) {
    fail(`<${parent.tag}> must hold ${how} <${only}>, found <${name}>`, parent);
  }
  switch (parent.kind) {
    case 'params':
      return child('param', `params[${parent.items!.length}]`);
    case 'array':
      return { ...child('data'), items: [] };
    case 'data':
      return child('value', null, `[${parent.items!.length}]`);
    case 'struct':
      return child('member');
    default:
      return child('value'); // in a param or a fault
  }
}

function closeChild(done: Frame, parent: Frame, doc: Partial<XmlRpcDocument>): void {
  const fail = (what: string): never => {
    throw new XmlRpcDecodeError(`${what} in ${pathOf(done)}`, { line: done.line, column: done.column });
  };
  switch (done.kind) {
    case 'methodCall':
    case 'methodResponse':
      doc.root = done.kind;
      doc.rootPosition = { line: done.line, column: done.column };
      doc.rootChildren = done.childNames ?? [];
      return;
    case 'methodName':
      doc.methodName = done.text.trim();
      return;
    case 'params':
      doc.params = done.items!;
      return;
    case 'fault':
      if (!done.hasValue) fail('<fault> must hold exactly one <value>, found nothing');
      doc.fault = done.value;
      return;
    case 'param':
      if (!done.hasValue) fail('<param> must hold exactly one <value>, found nothing');
      parent.items!.push(done.value);
      return;
    case 'data':
      parent.items = done.items;
      return;
    case 'array':
      if (done.items === null) fail('<array> must hold exactly one <data>, found nothing');
      deliver(parent, done.items);
      return;
    case 'struct':
      deliver(parent, done.struct);
      return;
    case 'member':
      if (done.memberName === null || !done.hasValue) fail('<member> must hold one <name> and one <value>');
      setStructMember(parent.struct!, done.memberName!, done.value);
      return;
    case 'name':
      parent.memberName = done.text;
      return;
    case 'scalar':
      deliver(parent, parseScalar(done.tag, done.text, fail));
      return;
    case 'value': {
      if (done.hasValue && !WHITESPACE_ONLY.test(done.text)) {
        fail(`unexpected text ${JSON.stringify(done.text.trim().slice(0, 40))} inside <value>`);
      }
      const value = done.hasValue ? done.value : done.text; // untyped value text is a string
      if (parent.kind === 'data') parent.items!.push(value);
      else deliver(parent, value);
      return;
    }
    default:
      return;
  }
}

function deliver(frame: Frame, value: KojiValue): void {
  frame.value = value;
  frame.hasValue = true;
}

function wrapParserError(err: unknown, closing: boolean): XmlRpcDecodeError {
  const raw = (err as { message?: unknown } | null)?.message;
  const text = typeof raw === 'string' ? raw : String(err);
  const match = SAXES_MESSAGE.exec(text);
  const position = match ? { line: Number(match[1]), column: Number(match[2]) } : undefined;
  const detail = match ? match[3] : text;
  const what = closing ? 'truncated or incomplete XML' : 'malformed XML';
  return new XmlRpcDecodeError(`${what}: ${detail.replace(/\.$/, '')}`, position, { cause: err });
}
