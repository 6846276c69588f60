/**
 * Start of the fold script: its arguments (in the order fold-arguments.ts writes them:
 * the batch's settings, then each event as a count of arguments followed by them) and
 * helpers shared by the parts that fold each kind of event. Keys are built from the
 * prefix in ARGV[1] with the names of registry-keys.ts; the script declares no KEYS, so it
 * runs on a single Redis, not a cluster (docs/adr/0041-monitor-fold-algorithm.md).
 */
export const FOLD_PRELUDE_LUA = String.raw`
local P = ARGV[1]
local now = tonumber(ARGV[2])
local epoch = ARGV[3]
local offset = ARGV[4]
local previous = tonumber(ARGV[5])
local taskTtl = tonumber(ARGV[6])
local containerTtl = tonumber(ARGV[7])
local executorTtl = tonumber(ARGV[8])
local staleTtl = tonumber(ARGV[9])
local goneMs = tonumber(ARGV[10])
local logMax = tonumber(ARGV[11])
local streamMax = ARGV[12]
local FIRST_EVENT = 13

-- The event being folded (set by loadEvent for each event of the batch).
local etype, eid, atStr, at, seqStr, seq, source, taskId, attempt, streamJson
local f

-- Reads the event whose argument count is at ARGV[i]; returns where the next one starts.
local function loadEvent(i)
  local n = tonumber(ARGV[i])
  etype, eid, atStr, seqStr = ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4]
  source, taskId, attempt, streamJson = ARGV[i + 5], ARGV[i + 6], ARGV[i + 7], ARGV[i + 8]
  at = tonumber(atStr)
  seq = tonumber(seqStr)
  f = {}
  for j = i + 9, i + n, 2 do f[ARGV[j]] = ARGV[j + 1] end
  return i + n + 1
end

local HOUR = 3600000

-- Drop times of unfinished things move in hour steps, so most events leave them alone.
local function bucket(t)
  return math.ceil(t / HOUR) * HOUR
end

local function scheduleExpiry(hashKey, member, exp, oldExp)
  if tonumber(oldExp or '-1') ~= exp then
    redis.call('HSET', hashKey, 'exp', exp)
    redis.call('ZADD', P .. 'expiry', exp, member)
  end
end

local function countTask(state, method, delta)
  local field = state .. '|' .. method
  if redis.call('HINCRBY', P .. 'stats:tasks', field, delta) <= 0 then
    redis.call('HDEL', P .. 'stats:tasks', field)
  end
end

-- Appends the event to the stream WebSocket clients read, once per distinct event. The
-- stream is capped by deleting its oldest entries with XDEL (not XADD MAXLEN), so that
-- max-deleted-entry-id tells a resuming client whether it missed anything.
local function publish(task, executor)
  local SK = P .. 'events'
  redis.call('XADD', SK, '*', 't', etype, 'k', task, 'x', executor, 'e', streamJson)
  -- Trimmed in bulk once 10% over the cap: reading the head of the stream costs more
  -- than deleting, so it is done once per many events.
  local cap = tonumber(streamMax)
  local excess = redis.call('XLEN', SK) - cap
  if excess >= math.max(1, math.floor(cap / 10)) then
    local oldest = redis.call('XRANGE', SK, '-', '+', 'COUNT', math.min(excess, 5000))
    local ids = {}
    for k, entry in ipairs(oldest) do ids[k] = entry[1] end
    redis.call('XDEL', SK, unpack(ids))
  end
  if at > now - 60000 and at <= now + 60000 then
    local rk = P .. 'rate:' .. math.floor(at / 1000)
    if redis.call('INCR', rk) == 1 then redis.call('EXPIRE', rk, 120) end
  end
end

-- Newest wins, by event time then event id, so the order of arrival does not matter.
local function isNewer(lastAt, lastId)
  if not lastAt then return true end
  local l = tonumber(lastAt)
  if at ~= l then return at > l end
  return eid > (lastId or '')
end
`;
