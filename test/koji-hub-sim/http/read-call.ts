import { decodeRequest, XmlRpcDecodeError, type KojiValue } from '@koji-farm/koji/xmlrpc';
import { PythonError } from '../errors/python-error';
import { unmarshalLikePython } from '../python/xmlrpc-unmarshaller';

export interface ReadCall {
  /** As Python has it; 'None' when the document names none (the hub: `Invalid method: None`). */
  method: string;
  params: KojiValue[];
  kwargs: Record<string, KojiValue>;
}

/**
 * kojixmlrpc's `_read_request`: the body through pyexpat and xmlrpc's Unmarshaller,
 * whose exceptions become the call's fault (HTTP 200, fault 1, e.g. `<class
 * 'xml.parsers.expat.ExpatError'>: no element found: line 1, column 0` for an empty
 * body). The values are then decoded with the client's codec; a document Python reads
 * but the codec does not (odd elements outside values) gets a ResponseError that says so.
 */
export function readCall(body: Buffer): ReadCall {
  const { methodName } = unmarshalLikePython(body);
  if (methodName === null) return { method: 'None', params: [], kwargs: {} }; // no such method: nothing runs
  let decoded: ReturnType<typeof decodeRequest>;
  try {
    decoded = decodeRequest(body);
  } catch (error) {
    if (!(error instanceof XmlRpcDecodeError)) throw error;
    throw new PythonError(
      'xmlrpc.client.ResponseError',
      `ResponseError('koji-hub-sim cannot read this call: ${error.message.replace(/'/g, '"')}')`,
    );
  }
  return { method: methodName, params: decoded.params, kwargs: decoded.kwargs };
}
