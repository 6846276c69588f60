import type { KojiStruct, KojiValue } from './koji-value';

/** The element kinds the reader knows; `scalar` covers every text-holding value type. */
export type Kind =
  | 'document'
  | 'methodCall'
  | 'methodResponse'
  | 'methodName'
  | 'params'
  | 'param'
  | 'fault'
  | 'value'
  | 'array'
  | 'data'
  | 'struct'
  | 'member'
  | 'name'
  | 'scalar';

/**
 * One open element. Every frame has the same shape (fast in V8); the path for error
 * messages is only built when an error needs it, from `label` or parent + `segment`.
 */
export interface Frame {
  kind: Kind;
  tag: string;
  parent: Frame | null;
  label: string | null;
  segment: string;
  line: number;
  column: number;
  text: string;
  children: number;
  childNames: string[] | null;
  value: KojiValue;
  hasValue: boolean;
  items: KojiValue[] | null;
  struct: KojiStruct | null;
  memberName: string | null;
}

export function newFrame(
  kind: Kind,
  tag: string,
  parent: Frame | null,
  label: string | null,
  segment: string,
  line: number,
  column: number,
): Frame {
  return {
    kind,
    tag,
    parent,
    label,
    segment,
    line,
    column,
    text: '',
    children: 0,
    childNames: null,
    value: null,
    hasValue: false,
    items: null,
    struct: null,
    memberName: null,
  };
}

/** The value's place for error messages: `params[0].opts.arches[1]`. */
export function pathOf(frame: Frame): string {
  const segments: string[] = [];
  for (let f: Frame | null = frame; f; f = f.parent) {
    if (f.label !== null) return f.label + segments.reverse().join('');
    segments.push(f.segment);
  }
  return segments.reverse().join('');
}
