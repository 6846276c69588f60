/**
 * Reads the summary fields of many tasks in one call (a page of the task list): one round
 * trip and one command instead of one HMGET each. ARGV: prefix, field count, fields, ids.
 * Returns, per id, the field values (nil for a field or task that is not there).
 */
export const TASK_SUMMARIES_LUA = String.raw`
local P = ARGV[1]
local n = tonumber(ARGV[2])
local fields = {}
for i = 1, n do fields[i] = ARGV[2 + i] end
local result = {}
for i = 3 + n, #ARGV do
  result[#result + 1] = redis.call('HMGET', P .. 'task:' .. ARGV[i], unpack(fields))
end
return result
`;
