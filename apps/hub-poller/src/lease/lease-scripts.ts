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

/**
 * KEYS[1] the fencing token counter → the next token. A counter that is missing (first
 * start, or a Redis that lost its data) starts from Redis's clock in ms, so tokens never
 * go backwards after a flush.
 */
export const NEXT_TOKEN = `
local token = redis.call('INCR', KEYS[1])
if token == 1 then
  local now = redis.call('TIME')
  token = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
  redis.call('SET', KEYS[1], token)
end
return token`;

/** KEYS[1] a task's generation counter, ARGV[1] floor, ARGV[2] TTL ms → the next generation, above the floor. */
export const NEXT_GENERATION = `
local generation = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if generation <= floor then
  generation = floor + 1
  redis.call('SET', KEYS[1], generation)
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return generation`;
