import { GenericError } from './koji-errors';
import { PythonError } from './python-error';
import { XmlRpcFault } from './xmlrpc-fault';

export interface FaultParts {
  faultCode: number;
  faultString: string;
}

/**
 * The fault a top-level call answers with (kojixmlrpc `_wrap_handler`): Koji errors
 * keep code and message, a raised Fault is passed through, anything else is code 1
 * with the Python class. A JavaScript bug in the simulator shows as a Python
 * `Exception` so that it cannot pass for a Koji error.
 */
export function faultOf(error: unknown): FaultParts {
  if (error instanceof XmlRpcFault) return { faultCode: error.faultCode, faultString: error.faultString };
  if (error instanceof GenericError) return { faultCode: error.faultCode, faultString: error.message };
  if (error instanceof PythonError) return { faultCode: 1, faultString: error.message };
  return { faultCode: 1, faultString: `<class 'Exception'>: ${errorText(error)}` };
}

/**
 * The fault struct of one failed call inside `multiCall`: the hub joins the
 * exception's args (so no class prefix) and adds a `traceback` list.
 */
export function multiCallFaultOf(error: unknown): FaultParts & { traceback?: string[] } {
  if (error instanceof XmlRpcFault) return { faultCode: error.faultCode, faultString: error.faultString };
  const code = error instanceof GenericError ? error.faultCode : 1;
  const text =
    error instanceof GenericError
      ? error.message
      : error instanceof PythonError
        ? error.pyMessage
        : errorText(error);
  const cls =
    error instanceof PythonError
      ? error.pyClass
      : error instanceof GenericError
        ? `koji.${error.name}`
        : 'Exception';
  return {
    faultCode: code,
    faultString: text,
    traceback: ['Traceback (most recent call last):\n', `${cls}: ${text}\n`],
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
