import type { KojiStruct, KojiValue } from '@koji-farm/koji/xmlrpc';
import type { HubDb } from '../db/hub-db';
import type { Session } from '../auth/session';
import { ActionNotAllowed } from '../errors/koji-errors';

interface Rule {
  tests: string[];
  negate: boolean;
  action: string;
}

/** The hub's default policies that a build host meets (kojixmlrpc `_default_policies`). */
export const DEFAULT_POLICIES: Record<string, string> = {
  build_rpm: 'all :: allow',
  build_from_srpm: 'has_perm admin :: allow\nall :: deny Only admin can do this via default policy',
  build_from_repo_id: 'has_perm admin :: allow\nall :: deny Only admin can do this via default policy',
  build_from_scm: 'has_perm admin :: allow\nall :: deny Only admin can do this via default policy',
  package_list:
    'has_perm admin :: allow\nhas_perm tag :: allow\nall :: deny Only admin/tag can do this via default policy',
  cg_import: 'all :: allow',
  volume: 'all :: DEFAULT',
  priority: 'all :: stay',
};

/**
 * A small subset of koji.policy: rules `test [&& test] :: action [reason]` with the
 * tests `all`, `none`, `true`, `false`, `has_perm P...`, `is_child_task`, `has KEY`,
 * `bool KEY` and `!`-negated forms. Enough for the default policies and for tests
 * that switch a policy to allow or deny.
 */
export class PolicyEngine {
  private readonly rules = new Map<string, Rule[]>();

  constructor(private readonly db: HubDb) {
    for (const [name, text] of Object.entries(DEFAULT_POLICIES)) this.set(name, text);
  }

  set(name: string, text: string): void {
    const rules: Rule[] = [];
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const sep = line.includes('!!') ? '!!' : '::';
      const [lhs, rhs] = line.split(sep).map((s) => s.trim());
      rules.push({ tests: lhs.split('&&').map((t) => t.trim()), negate: sep === '!!', action: rhs ?? '' });
    }
    this.rules.set(name, rules);
  }

  /** `check_policy`: [allowed, reason]; `strict` raises ActionNotAllowed on deny. */
  check(
    name: string,
    data: KojiStruct,
    session: Session,
    defaultAction = 'deny',
    strict = false,
  ): [boolean, string] {
    const rules = this.rules.get(name);
    let result: string;
    let reason: string;
    if (!rules) {
      result = 'allow'; // MissingPolicyOk
      reason = 'missing policy';
    } else {
      const action = this.apply(rules, data, session);
      if (action === null) {
        result = defaultAction;
        reason = 'not covered by policy';
      } else {
        const [first, ...rest] = action.split(/\s+/);
        result = (first ?? '').toLowerCase();
        reason = rest.join(' ');
      }
    }
    if (result === 'allow') return [true, reason];
    if (result !== 'deny') reason = 'error in policy';
    if (!strict) return [false, reason];
    throw new ActionNotAllowed(`policy violation (${name})${reason ? `: ${reason}` : ''}`);
  }

  /** `eval_policy`: the action text of the first matching rule. */
  evaluate(name: string, data: KojiStruct, session: Session): string | null {
    const rules = this.rules.get(name);
    return rules ? this.apply(rules, data, session) : null;
  }

  private apply(rules: Rule[], data: KojiStruct, session: Session): string | null {
    for (const rule of rules) {
      const match = rule.tests.every((t) => this.test(t, data, session));
      if (match !== rule.negate) return rule.action;
    }
    return null;
  }

  private test(text: string, data: KojiStruct, session: Session): boolean {
    const [name, ...args] = text.split(/\s+/);
    if (name.startsWith('!')) return !this.test(text.slice(1), data, session);
    switch (name) {
      case 'all':
      case 'true':
        return true;
      case 'none':
      case 'false':
        return false;
      case 'has_perm': {
        const userId = typeof data.user_id === 'number' ? data.user_id : session.userId;
        const perms = userId === null ? [] : (this.db.users.get(userId)?.perms ?? []);
        return args.some((p) => perms.includes(p));
      }
      case 'is_child_task':
        return data.parent !== undefined && data.parent !== null;
      case 'has':
        return args.every((k) => k in data);
      case 'bool':
        return args.every((k) => truthy(data[k]));
      default:
        return false;
    }
  }
}

function truthy(v: KojiValue | undefined): boolean {
  return !(v === undefined || v === null || v === false || v === 0 || v === '');
}
