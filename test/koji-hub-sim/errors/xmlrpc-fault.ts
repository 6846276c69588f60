/**
 * An `xmlrpc.client.Fault` raised as is: a failed task's stored fault coming back out
 * of `getTaskResult` or `host.taskWaitResults`. It keeps its own code and text.
 */
export class XmlRpcFault extends Error {
  override readonly name = 'XmlRpcFault';

  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
  }
}
