/**
 * Entry of the fold script: refuses to fold into a registry of another generation (Redis
 * lost its state, or another replica started a rebuild), folds each event of the batch in
 * order (an event that raises an error is reported and does not stop the others), then
 * advances the folded offset to the batch's offset when it already covers the message read
 * before the batch (docs/adr/0042-monitor-stream-offsets.md). Returns one status per
 * event: folded, duplicate, stale, lost, epoch, or "error: <message>".
 */
export const FOLD_MAIN_LUA = String.raw`
local function foldOne()
  if etype == 'executor.heartbeat' or etype == 'executor.stopped' then return foldExecutor() end
  if etype == 'poller.heartbeat' then return foldPoller() end
  return foldTask()
end

local results = {}
local current = redis.call('GET', P .. 'registry:epoch')
if current ~= epoch then
  local status = current and 'epoch' or 'lost'
  local i = FIRST_EVENT
  while i <= #ARGV do
    results[#results + 1] = status
    i = i + tonumber(ARGV[i]) + 1
  end
  return results
end

local i = FIRST_EVENT
while i <= #ARGV do
  i = loadEvent(i)
  local ok, status = pcall(foldOne)
  if ok then
    results[#results + 1] = status
  elseif type(status) == 'table' and status.err then
    results[#results + 1] = 'error: ' .. status.err
  else
    results[#results + 1] = 'error: ' .. tostring(status)
  end
end

if offset ~= '' then
  local g = tonumber(redis.call('GET', P .. 'registry:offset') or '-1')
  if previous <= g and tonumber(offset) > g then redis.call('SET', P .. 'registry:offset', offset) end
end
return results
`;
