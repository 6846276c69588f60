/**
 * Folds the parts of a task attempt: steps (placed by step number), log chunks (placed
 * by byte offset, with out-of-order chunks held as gaps until the log before them
 * arrives) and containers. Each returns true when the attempt became active, i.e. when
 * the task's derived state may have changed.
 */
export const FOLD_TASK_PARTS_LUA = String.raw`
local function markActive(TK, pre)
  return redis.call('HSETNX', TK, pre .. 'active', '1') == 1
end

local function foldStep(TK, pre)
  local sk = TK .. ':steps'
  local sp = attempt .. ':' .. f.step .. ':'
  if etype == 'step.started' then
    redis.call('HSET', sk, sp .. 'kind', f.kind, sp .. 'name', f.name, sp .. 'startedAt', atStr)
    if f.argv then redis.call('HSET', sk, sp .. 'argv', f.argv) end
    if f.log then redis.call('HSET', sk, sp .. 'log', f.log) end
  else
    redis.call('HSET', sk, sp .. 'kind', f.kind, sp .. 'name', f.name, sp .. 'finishedAt', atStr,
      sp .. 'status', f.status, sp .. 'exitCode', f.exitCode, sp .. 'durationMs', f.durationMs)
    if f.error then redis.call('HSET', sk, sp .. 'error', f.error) end
  end
  local maxStep = tonumber(redis.call('HGET', TK, pre .. 'maxStep') or '0')
  if tonumber(f.step) > maxStep then redis.call('HSET', TK, pre .. 'maxStep', f.step) end
  if markActive(TK, pre) then return true end
  refreshCurrentStep(TK)
  return false
end

local function foldLog(TK, pre)
  local name = f.log
  local mk = attempt .. ':' .. name .. ':'
  local LK = TK .. ':log:' .. attempt .. ':' .. name
  local meta = TK .. ':logs'
  local m = redis.call('HMGET', meta, mk .. 'c', mk .. 'e', mk .. 'b', mk .. 't')
  local c, e, b, t = tonumber(m[1] or '0'), tonumber(m[2] or '0'), tonumber(m[3] or '0'), m[4] or '0'
  local off = tonumber(f.offset)
  local data = f.data
  if off >= logMax then
    t = '1'
  else
    if off + #data > logMax then
      data = string.sub(data, 1, logMax - off)
      t = '1'
    end
    local stop = off + #data
    if #data > 0 then redis.call('SETRANGE', LK, off, data) end
    b = b + #data
    if stop > e then e = stop end
    if off <= c then
      if stop > c then c = stop end
      -- Chunks that arrived early wait in :gaps until the log reaches them.
      if e > c then
        local gk = LK .. ':gaps'
        while true do
          local g = redis.call('ZRANGE', gk, 0, 0, 'WITHSCORES')
          if #g == 0 or tonumber(g[2]) > c then break end
          local gstop = tonumber(string.match(g[1], ':(%d+)$'))
          if gstop > c then c = gstop end
          redis.call('ZREM', gk, g[1])
        end
      end
    else
      redis.call('ZADD', LK .. ':gaps', off, off .. ':' .. stop)
    end
  end
  redis.call('HSET', meta, mk .. 'c', c, mk .. 'e', e, mk .. 'b', b, mk .. 't', t)
  return markActive(TK, pre)
end

local function foldContainer(TK, pre)
  local cid = f.containerId
  local CK = P .. 'container:' .. cid
  if redis.call('HSETNX', CK, 'id', cid) == 1 then
    redis.call('HSET', CK, 'taskId', taskId, 'attempt', attempt, 'executorId', source, 'image', f.image,
      'firstAt', atStr, 'lastAt', atStr)
  end
  if etype == 'container.created' then
    redis.call('HSET', CK, 'createdAt', atStr)
  elseif etype == 'container.started' then
    redis.call('HSET', CK, 'startedAt', atStr)
  else
    redis.call('HSET', CK, 'removedAt', atStr, 'kept', f.kept)
  end
  local v = redis.call('HMGET', CK, 'firstAt', 'lastAt', 'startedAt', 'removedAt', 'kept', 'exp')
  local firstAt, lastAt = tonumber(v[1]), tonumber(v[2])
  if at < firstAt then
    firstAt = at
    redis.call('HSET', CK, 'firstAt', atStr)
  end
  if at > lastAt then
    lastAt = at
    redis.call('HSET', CK, 'lastAt', atStr)
  end
  local state, exp
  if v[4] then
    if v[5] == 'true' then state = 'kept' else state = 'removed' end
    exp = tonumber(v[4]) + containerTtl
  elseif v[3] then
    state = 'running'
    exp = bucket(lastAt + staleTtl)
  else
    state = 'created'
    exp = bucket(lastAt + staleTtl)
  end
  redis.call('HSET', CK, 'state', state)
  redis.call('ZADD', P .. 'containers', firstAt, cid)
  if state == 'created' or state == 'running' then
    redis.call('ZADD', P .. 'containers:active', firstAt, cid)
  else
    redis.call('ZREM', P .. 'containers:active', cid)
  end
  scheduleExpiry(CK, 'c:' .. cid, exp, v[6])
  -- The attempt's container is the one with the newest event.
  local cur = redis.call('HMGET', TK, pre .. 'containerAt', pre .. 'containerEvent')
  if isNewer(cur[1], cur[2]) then
    redis.call('HSET', TK, pre .. 'container', cid, pre .. 'containerAt', atStr, pre .. 'containerEvent', eid)
  end
  markActive(TK, pre)
  return true
end
`;
