/**
 * The hub's own settings (hub.conf) that the simulator honours, in seconds like
 * hub.conf except where the name says otherwise. Defaults are the real hub's except
 * `runInterval` (1 s instead of 60 s, so that farms and tests see work quickly).
 */
export interface HubOptions {
  /** SessionRenewalTimeout, in seconds (hub.conf has minutes; 0 = never). Real: 86400. */
  sessionRenewalTimeout: number;
  /** CheckClientIP: bind sessions to the login's address. The simulator's default is off. */
  checkClientIP: boolean;
  /** LoginCreatesUser: sslLogin of an unknown CN creates the user. */
  loginCreatesUser: boolean;
  /** ProxyDNs: client DNs allowed to sslLogin as another user (`proxyuser`). */
  proxyDNs: string[];
  maxJobs: number;
  capacityOvercommit: number;
  readyTimeout: number;
  assignTimeout: number;
  softRefusalTimeout: number;
  hostTimeout: number;
  runInterval: number;
  /** MaxRequestLength in bytes. */
  maxRequestLength: number;
  /** AllowNewRepo. */
  allowNewRepo: boolean;
  /**
   * The Koji release played: the Koji-Version header, getKojiVersion, and what differs
   * between releases (auth/hub-version.ts: up to 1.35 header sessions have no callnum
   * check; from 1.36 they do). Default '1.35.3', the real target.
   */
  kojiVersion: string;
}

export const DEFAULT_HUB_OPTIONS: HubOptions = {
  sessionRenewalTimeout: 1440 * 60,
  checkClientIP: false,
  loginCreatesUser: true,
  proxyDNs: [],
  maxJobs: 15,
  capacityOvercommit: 5,
  readyTimeout: 180,
  assignTimeout: 300,
  softRefusalTimeout: 900,
  hostTimeout: 900,
  runInterval: 1,
  maxRequestLength: 4194304,
  allowNewRepo: true,
  kojiVersion: '1.35.3',
};
