import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type IncomingHttpHeaders } from 'node:http';
import { Inject, Injectable } from '@nestjs/common';
import { MONITOR_CONFIG, type MonitorConfig } from '../../config/monitor.config';

/** The dashboard's session cookie, set by POST /api/v1/session after the token was typed in. */
export const SESSION_COOKIE = 'kf_monitor_session';
export const SESSION_TTL_SECONDS = 12 * 3600;

/**
 * Checks requests against MONITOR_API_TOKEN: `Authorization: Bearer <token>`, or the
 * dashboard's session cookie (an expiry signed with the token, so the token itself never
 * sits in a browser). With no token configured (loopback only) everything is allowed.
 */
@Injectable()
export class ApiTokenVerifier {
  private readonly token?: string;

  constructor(@Inject(MONITOR_CONFIG) config: MonitorConfig) {
    this.token = config.http.apiToken;
  }

  get enabled(): boolean {
    return this.token !== undefined;
  }

  isAuthorized(headers: IncomingHttpHeaders, now = Date.now()): boolean {
    if (!this.token) return true;
    const authorization = headers.authorization;
    if (authorization?.startsWith('Bearer '))
      return this.isToken(authorization.slice('Bearer '.length).trim());
    const session = readCookie(headers.cookie, SESSION_COOKIE);
    return session !== undefined && this.isValidSession(session, now);
  }

  isToken(candidate: string): boolean {
    if (!this.token) return true;
    return sameSecret(candidate, this.token);
  }

  /** A session cookie value valid for SESSION_TTL_SECONDS. */
  issueSession(now = Date.now()): string {
    const expires = now + SESSION_TTL_SECONDS * 1000;
    return `${expires}.${this.sign(expires)}`;
  }

  private isValidSession(value: string, now: number): boolean {
    const [expires, signature] = value.split('.');
    const expiresAt = Number(expires);
    if (!signature || !Number.isSafeInteger(expiresAt) || expiresAt < now) return false;
    return sameSecret(signature, this.sign(expiresAt));
  }

  private sign(expires: number): string {
    return createHmac('sha256', this.token ?? '')
      .update(`koji-farm monitor session until ${expires}`)
      .digest('base64url');
  }
}

/** Compares digests so that neither the length nor the content leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      return decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return undefined;
}
