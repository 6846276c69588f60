import type { KojiValue } from '@koji-farm/koji/xmlrpc';

export interface SignatureParam {
  name: string;
  hasDefault: boolean;
  default: KojiValue;
}

export interface Signature {
  /** What CPython prints in a TypeError: `RootExports.getTaskInfo`. */
  qualname: string;
  isMethod: boolean;
  params: SignatureParam[];
  varargs: boolean;
  varkw: boolean;
}

/**
 * Parses a Python `def` header such as
 * `HostExports.subtask(self, method, arglist, parent, **opts)`; defaults may be
 * None, True, False, numbers and quoted strings (all kojihub uses in these exports).
 */
export function parseSignature(text: string): Signature {
  const m = /^([\w.]+)\((.*)\)$/.exec(text.trim());
  if (!m) throw new Error(`bad signature: ${text}`);
  const sig: Signature = { qualname: m[1], isMethod: false, params: [], varargs: false, varkw: false };
  const parts = m[2]
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const part of parts) {
    if (part === 'self') sig.isMethod = true;
    else if (part.startsWith('**')) sig.varkw = true;
    else if (part.startsWith('*')) sig.varargs = true;
    else {
      const eq = part.indexOf('=');
      if (eq < 0) sig.params.push({ name: part, hasDefault: false, default: null });
      else
        sig.params.push({
          name: part.slice(0, eq).trim(),
          hasDefault: true,
          default: literal(part.slice(eq + 1).trim()),
        });
    }
  }
  return sig;
}

function literal(text: string): KojiValue {
  if (text === 'None') return null;
  if (text === 'True') return true;
  if (text === 'False') return false;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const q = /^'(.*)'$/.exec(text) ?? /^"(.*)"$/.exec(text);
  if (q) return q[1];
  throw new Error(`unsupported default: ${text}`);
}
