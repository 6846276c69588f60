/**
 * Lua run by Redis atomically. KEYS[1] is the lease key, ARGV[1] the value this poller
 * wrote when it acquired the lease: a poller only extends, releases or writes under a
 * lease that is still its own.
 */

/** → 1 when extended, 0 when the lease is gone or someone else's. */
export const RENEW_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

/** → 1 when deleted, 0 when it was not ours. */
export const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** KEYS[2] hash, ARGV[2] field, ARGV[3] value → 1 when written under our lease, else 0. */
export const FENCED_HSET = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1`;

/** KEYS[2] hash, ARGV[2..] fields → 1 when deleted under our lease, else 0. */
export const FENCED_HDEL = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('HDEL', KEYS[2], unpack(ARGV, 2))
return 1`;
