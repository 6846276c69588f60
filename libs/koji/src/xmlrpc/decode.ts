import { bodyToText } from './body-text';
import { readXmlRpcDocument, type XmlRpcDocument } from './document-reader';
import { STARSTAR_KEY, isKojiStruct, isPythonTruthy, type KojiValue } from './koji-value';
import { XmlRpcDecodeError } from './xmlrpc-decode-error';

/** A decoded `<methodCall>`: positional params and the keyword arguments split off. */
export interface DecodedRequest {
  method: string;
  params: KojiValue[];
  kwargs: Record<string, KojiValue>;
}

/** A decoded `<methodResponse>`: the one result, or the fault's code and text. */
export type DecodedResponse =
  { ok: true; value: KojiValue } | { ok: false; faultCode: number; faultString: string };

/**
 * Decodes a call. A final struct whose `__starstar` is true (Python-truthy, as Koji's
 * `decode_args` reads it) becomes `kwargs`, without the marker. A call with no
 * `<params>` has no arguments (the XML-RPC spec allows that).
 */
export function decodeRequest(xml: string | Buffer): DecodedRequest {
  const doc = readXmlRpcDocument(bodyToText(xml), 'methodCall');
  if (doc.methodName === undefined) fail(doc, '<methodName> is missing in methodCall');
  if (!doc.methodName) fail(doc, '<methodName> is empty in methodCall');
  const params = doc.params ?? [];
  const last = params[params.length - 1];
  if (last !== undefined && isKojiStruct(last) && isPythonTruthy(last[STARSTAR_KEY])) {
    const kwargs = { ...last };
    delete kwargs[STARSTAR_KEY];
    return { method: doc.methodName, params: params.slice(0, -1), kwargs };
  }
  return { method: doc.methodName, params, kwargs: {} };
}

/**
 * Decodes a reply: exactly one param, or a fault whose struct holds an integer
 * `faultCode` and a string `faultString`.
 */
export function decodeResponse(xml: string | Buffer): DecodedResponse {
  const doc = readXmlRpcDocument(bodyToText(xml), 'methodResponse');
  if (doc.rootChildren.length !== 1) {
    const found = doc.rootChildren.map((c) => `<${c}>`).join(', ') || 'nothing';
    fail(doc, `<methodResponse> must hold one <params> or one <fault>, found ${found}`);
  }
  if (doc.fault !== undefined) return readFault(doc, doc.fault);
  const params = doc.params ?? [];
  if (params.length !== 1) fail(doc, `a response must hold exactly one param, found ${params.length}`);
  return { ok: true, value: params[0] };
}

function readFault(doc: XmlRpcDocument, value: KojiValue): DecodedResponse {
  if (!isKojiStruct(value)) fail(doc, '<fault> must hold a struct');
  const { faultCode, faultString } = value;
  if (faultCode === undefined) fail(doc, 'the fault has no faultCode');
  if (typeof faultCode !== 'number' || !Number.isInteger(faultCode)) {
    fail(doc, `faultCode must be an integer, got ${typeof faultCode}`);
  }
  if (faultString === undefined) fail(doc, 'the fault has no faultString');
  if (typeof faultString !== 'string') fail(doc, `faultString must be a string, got ${typeof faultString}`);
  return { ok: false, faultCode, faultString };
}

function fail(doc: XmlRpcDocument, what: string): never {
  throw new XmlRpcDecodeError(what, doc.rootPosition);
}
