import type { KojiValue } from '@koji-farm/koji/xmlrpc';
import { GenericError, ParameterError } from '../errors/koji-errors';
import { PythonError } from '../errors/python-error';
import type { CallContext } from './call-context';
import { parseSignature, type Signature } from './python-signature';

/** A call's arguments bound to the Python signature's names. */
export interface BoundArgs {
  /** Named parameters (positional or keyword), defaults filled in. */
  a: Record<string, KojiValue>;
  /** `*args` beyond the named ones. */
  rest: KojiValue[];
  /** `**opts`: keywords that matched no name. */
  kw: Record<string, KojiValue>;
}

export type Handler = (call: CallContext, args: BoundArgs) => KojiValue | undefined | void;

export interface MethodSpec {
  name: string;
  signature: Signature;
  handler: Handler;
  /**
   * 'TypeError' where the hub's export only forwards `*args` to the real function
   * (login, sslLogin, exclusiveSession): call_with_argcheck then sees a deeper
   * TypeError and the caller gets fault 1, not a ParameterError.
   */
  argErrors: 'ParameterError' | 'TypeError';
}

/** kojixmlrpc's HandlerRegistry: exported name -> function with its Python signature. */
export class MethodRegistry {
  private readonly methods = new Map<string, MethodSpec>();

  /**
   * Registers `name` with a Python signature as written in kojihub, e.g.
   * `RootExports.getTaskInfo(self, task_id, request=False, strict=False)`.
   */
  add(
    name: string,
    signature: string,
    handler: Handler,
    argErrors: MethodSpec['argErrors'] = 'ParameterError',
  ): void {
    this.methods.set(name, { name, signature: parseSignature(signature), handler, argErrors });
  }

  get(name: string): MethodSpec {
    const spec = this.methods.get(name);
    if (!spec) throw new GenericError(`Invalid method: ${name}`);
    return spec;
  }

  names(): string[] {
    return [...this.methods.keys()];
  }
}

/** Binds positional and keyword arguments as CPython does, with its TypeError texts. */
export function bindArgs(
  spec: MethodSpec,
  params: KojiValue[],
  kwargs: Record<string, KojiValue>,
): BoundArgs {
  const sig = spec.signature;
  const fail = (message: string): never => {
    if (spec.argErrors === 'TypeError') throw new PythonError('TypeError', `${sig.qualname}() ${message}`);
    throw new ParameterError(`${sig.qualname}() ${message}`);
  };
  const self = sig.isMethod ? 1 : 0;
  const a: Record<string, KojiValue> = {};
  const rest: KojiValue[] = [];
  const kw: Record<string, KojiValue> = {};
  if (params.length > sig.params.length && !sig.varargs) {
    const max = sig.params.length + self;
    const min = sig.params.filter((p) => !p.hasDefault).length + self;
    const given = params.length + self;
    const takes =
      min === max
        ? `${max} positional argument${max === 1 ? '' : 's'}`
        : `from ${min} to ${max} positional arguments`;
    fail(`takes ${takes} but ${given} ${given === 1 ? 'was' : 'were'} given`);
  }
  params.forEach((value, i) => {
    if (i < sig.params.length) a[sig.params[i].name] = value;
    else rest.push(value);
  });
  for (const [key, value] of Object.entries(kwargs)) {
    const known = sig.params.some((p) => p.name === key);
    if (known) {
      if (key in a) fail(`got multiple values for argument '${key}'`);
      a[key] = value;
    } else if (sig.varkw) {
      kw[key] = value;
    } else {
      fail(`got an unexpected keyword argument '${key}'`);
    }
  }
  const missing = sig.params.filter((p) => !(p.name in a) && !p.hasDefault).map((p) => `'${p.name}'`);
  if (missing.length > 0) {
    const list =
      missing.length === 1
        ? missing[0]
        : missing.length === 2
          ? `${missing[0]} and ${missing[1]}`
          : `${missing.slice(0, -1).join(', ')}, and ${missing[missing.length - 1]}`;
    fail(`missing ${missing.length} required positional argument${missing.length === 1 ? '' : 's'}: ${list}`);
  }
  for (const p of sig.params) if (!(p.name in a) && p.hasDefault) a[p.name] = p.default;
  return { a, rest, kw };
}
