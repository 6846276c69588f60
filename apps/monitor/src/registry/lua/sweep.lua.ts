/**
 * Deletes what is due in the `expiry` schedule: finished tasks (with their steps, logs,
 * seen-bitmaps and index entries), removed containers, gone executors and pollers.
 * ARGV: prefix, now (ms), most items per call. Returns the number of items dropped.
 */
export const SWEEP_LUA = String.raw`
local P = ARGV[1]
local now = ARGV[2]
local limit = tonumber(ARGV[3])

local function dropTask(id)
  local TK = P .. 'task:' .. id
  local v = redis.call('HMGET', TK, 'attempts', 'ix:state', 'ix:method', 'ix:queue')
  for a = 1, tonumber(v[1] or '0') do
    local ex = redis.call('HGET', TK, 'a' .. a .. ':executor')
    if ex then redis.call('ZREM', P .. 'tasks:executor:' .. ex, id) end
    redis.call('DEL', TK .. ':seen:' .. a, TK .. ':seenx:' .. a)
  end
  for _, field in ipairs(redis.call('HKEYS', TK .. ':logs')) do
    local base = string.match(field, '^(.*):c$')
    if base then redis.call('DEL', TK .. ':log:' .. base, TK .. ':log:' .. base .. ':gaps') end
  end
  local method = v[3] or ''
  if v[2] then
    redis.call('ZREM', P .. 'tasks:state:' .. v[2], id)
    local field = v[2] .. '|' .. method
    if redis.call('HINCRBY', P .. 'stats:tasks', field, -1) <= 0 then redis.call('HDEL', P .. 'stats:tasks', field) end
  end
  if method ~= '' then redis.call('ZREM', P .. 'tasks:method:' .. method, id) end
  if v[4] and v[4] ~= '' then redis.call('ZREM', P .. 'tasks:queue:' .. v[4], id) end
  redis.call('ZREM', P .. 'tasks', id)
  redis.call('DEL', TK, TK .. ':steps', TK .. ':logs', TK .. ':pseen')
end

local due = redis.call('ZRANGEBYSCORE', P .. 'expiry', '-inf', now, 'LIMIT', 0, limit)
for _, member in ipairs(due) do
  local kind, id = string.sub(member, 1, 1), string.sub(member, 3)
  if kind == 't' then
    dropTask(id)
  elseif kind == 'c' then
    redis.call('DEL', P .. 'container:' .. id)
    redis.call('ZREM', P .. 'containers', id)
    redis.call('ZREM', P .. 'containers:active', id)
  elseif kind == 'e' then
    redis.call('DEL', P .. 'executor:' .. id)
    redis.call('ZREM', P .. 'executors', id)
  elseif kind == 'p' then
    redis.call('DEL', P .. 'poller:' .. id)
    redis.call('ZREM', P .. 'pollers', id)
  end
  redis.call('ZREM', P .. 'expiry', member)
end
return #due
`;
