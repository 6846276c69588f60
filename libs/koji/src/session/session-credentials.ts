/**
 * A hub session as `login`, `sslLogin` and `subsession` return it. The key is a
 * secret: never log it, never put it in an event or an error.
 */
export interface SessionCredentials {
  id: number;
  key: string;
}
