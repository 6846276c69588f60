/**
 * Folds one event about a task. Duplicates are recognised by `(taskId, attempt, seq)`
 * (a bitmap of seen seqs per attempt) or, for the poller's task events (queued, refused,
 * cancel requested, a buildroot it expired), by event id.
 */
export const FOLD_TASK_LUA = String.raw`
local MAX_BITMAP_SEQ = 4194304

local function isDuplicateTaskEvent(TK)
  if attempt ~= '' then
    if seq <= MAX_BITMAP_SEQ then
      return redis.call('SETBIT', TK .. ':seen:' .. attempt, seq, 1) == 1
    end
    return redis.call('SADD', TK .. ':seenx:' .. attempt, seqStr) == 0
  end
  return redis.call('SADD', TK .. ':pseen', eid) == 0
end

local function foldTask()
  local id = taskId
  local TK = P .. 'task:' .. id
  if isDuplicateTaskEvent(TK) then return 'duplicate' end
  local needDerive = false
  if redis.call('HSETNX', TK, 'id', id) == 1 then
    redis.call('ZADD', P .. 'tasks', id, id)
    needDerive = true
  end
  local pre = 'a' .. attempt .. ':'
  if attempt ~= '' and redis.call('HSETNX', TK, pre .. 'executor', source) == 1 then
    redis.call('ZADD', P .. 'tasks:executor:' .. source, id, id)
    local L = tonumber(redis.call('HGET', TK, 'attempts') or '0')
    if tonumber(attempt) > L then redis.call('HSET', TK, 'attempts', attempt) end
    needDerive = true
  end

  if etype == 'task.queued' then
    local q = redis.call('HMGET', TK, 'qAt', 'qId')
    if isNewer(q[1], q[2]) then
      redis.call('HSET', TK, 'qAt', atStr, 'qId', eid, 'queuedAt', atStr, 'method', f.method, 'arch', f.arch,
        'queue', f.queue, 'priority', f.priority, 'weight', f.weight, 'parentId', f.parentId, 'pollerId', source)
      redis.call('SADD', P .. 'queues', f.queue)
    end
    needDerive = true
  elseif etype == 'task.cancel-requested' then
    local c = redis.call('HMGET', TK, 'cancelRequestedAt', 'cancelId')
    if isNewer(c[1], c[2]) then
      redis.call('HSET', TK, 'cancelRequestedAt', atStr, 'cancelId', eid, 'cancelReason', f.reason)
    end
  elseif etype == 'task.refused' then
    local r = redis.call('HMGET', TK, 'refusedAt', 'refusedId')
    if isNewer(r[1], r[2]) then
      redis.call('HSET', TK, 'refusedAt', atStr, 'refusedId', eid, 'refuseReason', f.reason, 'method', f.method,
        'arch', f.arch, 'pollerId', source)
    end
    needDerive = true
  elseif etype == 'task.received' then
    redis.call('HSET', TK, pre .. 'receivedAt', atStr, 'method', f.method, 'arch', f.arch)
    if f.parentId ~= '' then redis.call('HSET', TK, 'parentId', f.parentId) end
    needDerive = true
  elseif etype == 'task.started' then
    redis.call('HSET', TK, pre .. 'startedAt', atStr, 'method', f.method, 'arch', f.arch)
    needDerive = true
  elseif etype == 'task.finished' then
    redis.call('HSET', TK, pre .. 'finishedAt', atStr, pre .. 'final', f.state, pre .. 'durationMs', f.durationMs)
    if f.result then redis.call('HSET', TK, pre .. 'result', f.result) end
    if f.error then redis.call('HSET', TK, pre .. 'error', f.error) end
    needDerive = true
  elseif etype == 'step.started' or etype == 'step.finished' then
    needDerive = foldStep(TK, pre) or needDerive
  elseif etype == 'log.chunk' then
    needDerive = foldLog(TK, pre) or needDerive
  elseif etype == 'buildroot.snapshot' then
    -- The farm's hit rate (/status): one count per attempt's buildroot, whatever replica folds it.
    if redis.call('HSET', TK, pre .. 'snapshot', f.outcome) == 1 then
      redis.call('HINCRBY', P .. 'stats:snapshots', f.outcome, 1)
    end
  elseif etype == 'buildroot.state' then
    local bk = 'broot:' .. f.brootId
    local b = redis.call('HMGET', TK, bk .. ':at', bk .. ':id')
    if isNewer(b[1], b[2]) then redis.call('HSET', TK, bk, f.state, bk .. ':at', atStr, bk .. ':id', eid) end
  else
    needDerive = foldContainer(TK, pre)
  end

  -- Unfinished tasks are dropped a while after their latest event (in hour steps).
  local h = redis.call('HMGET', TK, 'staleExp', 'exp', 'state', 'finishedAt')
  local staleExp = tonumber(h[1] or '0')
  local candidate = bucket(at + staleTtl)
  if candidate > staleExp then
    staleExp = candidate
    redis.call('HSET', TK, 'staleExp', staleExp)
  end
  local state, finishedAt = h[3], h[4]
  if needDerive then state, finishedAt = deriveTask(TK, id) end
  local exp
  if (state == 'closed' or state == 'failed' or state == 'canceled') and finishedAt and finishedAt ~= '' then
    exp = tonumber(finishedAt) + taskTtl
  else
    exp = staleExp
  end
  scheduleExpiry(TK, 't:' .. id, exp, h[2])
  if attempt ~= '' then publish(id, source) else publish(id, '') end
  return 'folded'
end
`;
