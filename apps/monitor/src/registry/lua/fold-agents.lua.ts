/**
 * Folds executor and poller events. Their state is "newest heartbeat wins" (by event time,
 * then id): a late or repeated heartbeat changes nothing and is not re-published.
 */
export const FOLD_AGENTS_LUA = String.raw`
local function foldExecutor()
  local EK = P .. 'executor:' .. source
  local v = redis.call('HMGET', EK, 'hbAt', 'hbId', 'stoppedAt', 'stopId', 'exp')
  if etype == 'executor.heartbeat' then
    if eid == v[2] then return 'duplicate' end
    if not isNewer(v[1], v[2]) then return 'stale' end
    redis.call('HSET', EK, 'id', source, 'hbAt', atStr, 'hbId', eid, 'seq', seqStr, 'hostname', f.hostname,
      'arches', f.arches, 'methods', f.methods, 'slots', f.slots, 'busy', f.busy, 'orchestrating', f.orchestrating,
      'orchestrationSlots', f.orchestrationSlots, 'load', f.load, 'version', f.version, 'startedAt', f.startedAt,
      'problems', f.problems)
    v[1] = atStr
  else
    if eid == v[4] then return 'duplicate' end
    if not isNewer(v[3], v[4]) then return 'stale' end
    redis.call('HSET', EK, 'id', source, 'stoppedAt', atStr, 'stopId', eid, 'stopReason', f.reason)
    v[3] = atStr
  end
  local last = math.max(tonumber(v[1] or '0'), tonumber(v[3] or '0'))
  redis.call('ZADD', P .. 'executors', last, source)
  scheduleExpiry(EK, 'e:' .. source, last + goneMs + executorTtl, v[5])
  publish('', source)
  return 'folded'
end

local function foldPoller()
  local PK = P .. 'poller:' .. source
  local v = redis.call('HMGET', PK, 'hbAt', 'hbId', 'exp')
  if eid == v[2] then return 'duplicate' end
  if not isNewer(v[1], v[2]) then return 'stale' end
  redis.call('HSET', PK, 'id', source, 'hbAt', atStr, 'hbId', eid, 'leader', f.leader, 'hub', f.hub,
    'inFlight', f.inFlight, 'ready', f.ready, 'startedAt', f.startedAt)
  redis.call('ZADD', P .. 'pollers', at, source)
  scheduleExpiry(PK, 'p:' .. source, at + goneMs + executorTtl, v[3])
  publish('', '')
  return 'folded'
end
`;
