/**
 * Koji's XML-RPC codec: `<nil/>`, `<i8>`, `__starstar` keyword arguments, strict
 * decoding with errors that say what and where. Used by the client and by the hub
 * simulator on the server side.
 */
export type { KojiValue, KojiStruct } from './koji-value';
export { STARSTAR_KEY, isKojiStruct, isPythonTruthy } from './koji-value';
export { encodeRequest, encodeResponse, encodeFault } from './encode';
export { decodeRequest, decodeResponse, type DecodedRequest, type DecodedResponse } from './decode';
export { sanitizeXmlText } from './xml-text';
export { XmlRpcDecodeError, type XmlRpcPosition } from './xmlrpc-decode-error';
export { XmlRpcEncodeError } from './xmlrpc-encode-error';
