import {
  decodeRequest,
  decodeResponse,
  encodeRequest,
  isKojiStruct,
  XmlRpcDecodeError,
  type KojiValue,
} from '@koji-farm/koji/xmlrpc';
import { PythonError } from '../errors/python-error';
import { XmlRpcFault } from '../errors/xmlrpc-fault';
import { pyTruthy } from '../python/py-convert';

/**
 * A task's request as the hub stores it: `xmlrpcplus.dumps(tuple(arglist),
 * methodname=method)`. A trailing `__starstar` struct stays part of the arglist, so
 * the decoded request gives it back as the last element, as the hub does.
 */
export function encodeTaskRequest(method: string, arglist: KojiValue[]): string {
  const last = arglist[arglist.length - 1];
  if (last !== undefined && isKojiStruct(last) && pyTruthy(last.__starstar)) {
    const kw = { ...last };
    delete kw.__starstar;
    return encodeRequest(method, arglist.slice(0, -1), kw);
  }
  return encodeRequest(method, arglist);
}

export function decodeTaskRequest(xml: string): KojiValue[] {
  const { params, kwargs } = decodeRequest(xml);
  return Object.keys(kwargs).length > 0 ? [...params, { ...kwargs, __starstar: true }] : params;
}

/**
 * `koji.xmlrpcplus.loads` of a stored result: the value, or the stored fault raised
 * as an XmlRpcFault. A result that is not XML-RPC fails like expat does.
 */
export function decodeTaskResult(xml: string): KojiValue {
  let decoded;
  try {
    decoded = decodeResponse(xml);
  } catch (error) {
    if (error instanceof XmlRpcDecodeError) {
      throw new PythonError('xml.parsers.expat.ExpatError', error.message, { cause: error });
    }
    throw error;
  }
  if (!decoded.ok) throw new XmlRpcFault(decoded.faultCode, decoded.faultString);
  return decoded.value;
}
