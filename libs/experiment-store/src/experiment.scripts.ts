// Lua runs atomically in Redis, so the seq counter, the event list, the terminal check and the
// record's fields change together or not at all, whichever process appends.

/**
 * KEYS: record hash, events list, finished zset.
 * ARGV: id, event JSON before the seq, event JSON after the seq, '1' if terminal, finish time (ms),
 *       then field/value pairs to set on the record.
 * Returns the new seq; 0 when the record is already finished; -1 when it does not exist.
 */
export const APPEND_EVENT_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if status == 'completed' or status == 'failed' or status == 'cancelled' then return 0 end
local seq = redis.call('HINCRBY', KEYS[1], 'lastSeq', 1)
redis.call('RPUSH', KEYS[2], ARGV[2] .. seq .. ARGV[3])
if #ARGV > 5 then redis.call('HSET', KEYS[1], unpack(ARGV, 6)) end
if ARGV[4] == '1' then redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1]) end
return seq
`;

/**
 * KEYS: record hash. Sets cancelRequested unless the record is finished.
 * Returns the status before the request, or false when the record does not exist.
 */
export const REQUEST_CANCEL_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if status ~= 'completed' and status ~= 'failed' and status ~= 'cancelled' then
  redis.call('HSET', KEYS[1], 'cancelRequested', '1')
end
return status
`;
