/**
 * Derives a task's state and summary fields from what was folded so far, and keeps its
 * indexes and counters in step. A task the poller refused after its latest queueing or
 * attempt is `refused` (the hub will assign it again, maybe elsewhere). Derivation only reads stored facts (never the order they
 * arrived in), which is what makes the fold order-independent.
 */
export const FOLD_TASK_STATE_LUA = String.raw`
-- The step attempt L is in: its highest started step, unless that one finished.
local function currentStep(TK, L, maxStep)
  if not maxStep then return '', '', '', '' end
  local sp = L .. ':' .. maxStep .. ':'
  local s = redis.call('HMGET', TK .. ':steps', sp .. 'name', sp .. 'kind', sp .. 'startedAt', sp .. 'finishedAt')
  if s[4] then return '', '', '', '' end
  return maxStep, s[1] or '', s[2] or '', s[3] or ''
end

-- After a step event of a task whose state cannot have changed: only its current step moves.
local function refreshCurrentStep(TK)
  local v = redis.call('HMGET', TK, 'attempts', 'state')
  if v[2] ~= 'running' or v[1] ~= attempt then return end
  local no, name, kind, since = currentStep(TK, v[1], redis.call('HGET', TK, 'a' .. attempt .. ':maxStep'))
  redis.call('HSET', TK, 'step', no, 'stepName', name, 'stepKind', kind, 'stepStartedAt', since)
end

-- Refused by the poller after everything else that happened to the task (ms strings or nil).
local function refusedLast(refusedAt, ...)
  if not refusedAt then return false end
  local r = tonumber(refusedAt)
  for i = 1, select('#', ...) do
    local t = select(i, ...)
    if t and t ~= '' and tonumber(t) >= r then return false end
  end
  return true
end

local function deriveTask(TK, id)
  local v = redis.call('HMGET', TK, 'attempts', 'queuedAt', 'method', 'queue', 'ix:state', 'ix:method', 'ix:queue',
    'refusedAt')
  local L = v[1]
  local state
  local queueScore = v[2]
  local finishedAt = false
  local out = {}
  if L then
    local pre = 'a' .. L .. ':'
    local a = redis.call('HMGET', TK, pre .. 'final', pre .. 'finishedAt', pre .. 'startedAt', pre .. 'active',
      pre .. 'receivedAt', pre .. 'executor', pre .. 'container', pre .. 'durationMs', pre .. 'maxStep')
    if a[1] then
      if a[1] == 'requeued' then
        state = 'queued'
        queueScore = a[2]
      else
        state = a[1]
        finishedAt = a[2]
      end
    elseif a[3] or a[4] then
      state = 'running'
    else
      state = 'received'
    end
    if refusedLast(v[8], v[2], a[2], a[3], a[5]) then
      state = 'refused'
      finishedAt = false
    end
    local stepNo, stepName, stepKind, stepAt = '', '', '', ''
    if state == 'running' then stepNo, stepName, stepKind, stepAt = currentStep(TK, L, a[9]) end
    out = { 'attempt', L, 'executor', a[6] or '', 'receivedAt', a[5] or '', 'startedAt', a[3] or '',
      'finishedAt', finishedAt or '', 'durationMs', (finishedAt and a[8]) or '', 'container', a[7] or '',
      'step', stepNo, 'stepName', stepName, 'stepKind', stepKind, 'stepStartedAt', stepAt }
  elseif refusedLast(v[8], v[2]) then
    state = 'refused'
  elseif v[2] then
    state = 'queued'
  else
    state = 'unknown'
  end
  out[#out + 1] = 'state'
  out[#out + 1] = state

  local method = v[3] or ''
  local oldState, oldMethod = v[5], v[6] or ''
  if oldState ~= state or oldMethod ~= method then
    if oldState then
      redis.call('ZREM', P .. 'tasks:state:' .. oldState, id)
      countTask(oldState, oldMethod, -1)
    end
    if oldMethod ~= '' and oldMethod ~= method then
      redis.call('ZREM', P .. 'tasks:method:' .. oldMethod, id)
    end
    redis.call('ZADD', P .. 'tasks:state:' .. state, id, id)
    if method ~= '' then redis.call('ZADD', P .. 'tasks:method:' .. method, id, id) end
    countTask(state, method, 1)
    out[#out + 1] = 'ix:state'
    out[#out + 1] = state
    out[#out + 1] = 'ix:method'
    out[#out + 1] = method
  end

  local queue, inQueue = v[4], v[7]
  if state == 'queued' and queue and queueScore then
    if inQueue and inQueue ~= queue then redis.call('ZREM', P .. 'tasks:queue:' .. inQueue, id) end
    redis.call('ZADD', P .. 'tasks:queue:' .. queue, queueScore, id)
    out[#out + 1] = 'ix:queue'
    out[#out + 1] = queue
  elseif inQueue then
    redis.call('ZREM', P .. 'tasks:queue:' .. inQueue, id)
    redis.call('HDEL', TK, 'ix:queue')
  end
  redis.call('HSET', TK, unpack(out))
  return state, finishedAt
end
`;
