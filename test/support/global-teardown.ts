// Runs once after the integration and end-to-end tiers. Extended by libs/container's
// tests to assert that no container carrying the test label is left behind.
export default function globalTeardown(): void {}
