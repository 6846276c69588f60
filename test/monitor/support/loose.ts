/**
 * The type of a JSON response body in assertions: the tests check its shape with
 * expect(), so a static type would only repeat them.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
