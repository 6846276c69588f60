/**
 * Lua of the per-task lease (ADR 0083). KEYS[1] is the lease (a hash: holder, attempt,
 * generation, settled), KEYS[2] the task's attempt counter. Each script is one atomic
 * step, so two executors given the same task cannot both become its holder.
 */

/**
 * ARGV: holder, generation, ttlMs, keepMs. Returns
 * - {'acquired', attempt}: a new attempt, numbered by the task's counter (1, 2, 3 ...);
 * - {'mine', attempt}: this holder has it already (a redelivery to the executor running it);
 * - {'held', attempt, holder, pttl}: another live holder runs the task;
 * - {'settled', attempt, holder, outcome}: an attempt of this generation (or a newer
 *   one) already ended it on the hub: the message is a leftover.
 */
export const ACQUIRE_LEASE = String.raw`
local h = redis.call('HMGET', KEYS[1], 'holder', 'attempt', 'generation', 'settled')
if h[1] then
  if h[4] and h[4] ~= '' then
    if tonumber(h[3]) >= tonumber(ARGV[2]) then return {'settled', h[2], h[1], h[4]} end
  elseif h[1] == ARGV[1] then
    return {'mine', h[2]}
  else
    return {'held', h[2], h[1], tostring(redis.call('PTTL', KEYS[1]))}
  end
end
local n = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'attempt', n, 'generation', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'acquired', tostring(n)}
`;

/**
 * Renews the lease of a running attempt, and is the fence before a hub call that
 * settles the task. ARGV: holder, attempt, generation, ttlMs, keepMs. Returns 1 (held,
 * renewed), 2 (the lease was gone, e.g. Redis was flushed or unreachable past its TTL,
 * and nobody took it: taken again with the same attempt, the counter kept at least at
 * it), 0 (someone else holds it now, or it was settled: this attempt must stop).
 */
export const RENEW_LEASE = String.raw`
local h = redis.call('HMGET', KEYS[1], 'holder', 'attempt', 'settled')
if h[1] then
  if h[1] == ARGV[1] and h[2] == ARGV[2] and not (h[3] and h[3] ~= '') then
    redis.call('PEXPIRE', KEYS[1], ARGV[4])
    return 1
  end
  return 0
end
local n = tonumber(redis.call('GET', KEYS[2]) or '0')
if n > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[5])
redis.call('HSET', KEYS[1], 'holder', ARGV[1], 'attempt', ARGV[2], 'generation', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 2
`;

/**
 * Ends the holder's lease. ARGV: holder, attempt, outcome ('' to free it for another
 * attempt at once), keepMs. With an outcome the lease stays as a marker of the settled
 * generation for keepMs, so a leftover message of it is dropped without a new attempt.
 * Returns 1 when it was the holder's.
 */
export const RELEASE_LEASE = String.raw`
local h = redis.call('HMGET', KEYS[1], 'holder', 'attempt')
if h[1] ~= ARGV[1] or h[2] ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'settled', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return 1
`;
