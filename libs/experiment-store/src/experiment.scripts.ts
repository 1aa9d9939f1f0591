import { EXPERIMENT_EVENT_TYPES, EXPERIMENT_STATUSES, TERMINAL_STATUSES, applyEvent } from '@trainyard/contracts';

// Lua runs atomically in Redis, so the seq counter, the event list, the terminal check and the
// record's fields change together or not at all, whichever process appends.

/** Lua: whether the local `status` is terminal, written from contracts' one list. */
const STATUS_IS_TERMINAL = `(${[...TERMINAL_STATUSES].map((s) => `status == '${s}'`).join(' or ')})`;

/**
 * Lua: contracts' status rule (applyEvent) as a table, status → event type → status after it,
 * generated from the TS function over every pair, so the store and the dashboard derive a run's
 * status by one rule (experiment-status.lua.spec.ts checks the two agree in a real Redis).
 */
const STATUS_AFTER = `{${EXPERIMENT_STATUSES.map(
  (status) => `['${status}'] = {${EXPERIMENT_EVENT_TYPES.map((type) => `['${type}'] = '${applyEvent(status, { type })}'`).join(', ')}}`,
).join(', ')}}`;

/**
 * KEYS: record hash, events list, finished zset, the fence's lock key ('' for no fence).
 * ARGV: id, event JSON before the seq, event JSON after the seq, finish time (ms), the event's
 *       type, the owner key prefix, the training position of a progress or epoch event ('' for
 *       other events), the fence's token, then field/value pairs to set on the record.
 * Returns the new seq; 0 when the record is already finished; -1 when it does not exist; -2 when
 * the event's training position is not past the record's `trainedTo` (already in the history);
 * -3 when the fence's lock key does not hold its token (the appender lost the job's lock).
 * The status follows from STATUS_AFTER; the owner's queued set follows the status (its key is
 * built here from the record's owner), and a run that finishes joins the finished zset.
 */
export const APPEND_EVENT_LUA = `
local STATUS_AFTER = ${STATUS_AFTER}
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return -1 end
if ${STATUS_IS_TERMINAL} then return 0 end
if KEYS[4] ~= '' and redis.call('GET', KEYS[4]) ~= ARGV[8] then return -3 end
if ARGV[7] ~= '' then
  local trained = tonumber(redis.call('HGET', KEYS[1], 'trainedTo') or '0')
  if tonumber(ARGV[7]) <= trained then return -2 end
  redis.call('HSET', KEYS[1], 'trainedTo', ARGV[7])
end
local row = STATUS_AFTER[status]
local after = row and row[ARGV[5]] or status
local seq = redis.call('HINCRBY', KEYS[1], 'lastSeq', 1)
redis.call('RPUSH', KEYS[2], ARGV[2] .. seq .. ARGV[3])
if #ARGV > 8 then redis.call('HSET', KEYS[1], unpack(ARGV, 9)) end
if after ~= status then redis.call('HSET', KEYS[1], 'status', after) end
local queued = ARGV[6] .. redis.call('HGET', KEYS[1], 'owner') .. ':queued'
if after == 'queued' then redis.call('SADD', queued, ARGV[1]) elseif status == 'queued' then redis.call('SREM', queued, ARGV[1]) end
status = after
if ${STATUS_IS_TERMINAL} then redis.call('ZADD', KEYS[3], ARGV[4], ARGV[1]) end
return seq
`;

/**
 * Creates records in status queued, all or none, if the owner's queued count stays within a limit.
 * KEYS: the owner's queued set, all-experiments zset, the owner's zset.
 * ARGV: limit (-1: none), creation time (ms), record key prefix, then per record: id, JSON array
 *       of the hash's field/value pairs.
 * Returns {1, queued after} when created, {0, queued now} when the limit refused them.
 */
export const CREATE_QUEUED_LUA = `
local limit = tonumber(ARGV[1])
local n = (#ARGV - 3) / 2
local queued = redis.call('SCARD', KEYS[1])
if limit >= 0 and queued + n > limit then return {0, queued} end
for i = 0, n - 1 do
  local id = ARGV[4 + 2 * i]
  redis.call('HSET', ARGV[3] .. id, unpack(cjson.decode(ARGV[5 + 2 * i])))
  redis.call('ZADD', KEYS[2], ARGV[2], id)
  redis.call('ZADD', KEYS[3], ARGV[2], id)
  redis.call('SADD', KEYS[1], id)
end
return {1, queued + n}
`;

/**
 * KEYS: record hash. Sets cancelRequested unless the record is finished.
 * Returns the status before the request, or false when the record does not exist.
 */
export const REQUEST_CANCEL_LUA = `
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
if not ${STATUS_IS_TERMINAL} then
  redis.call('HSET', KEYS[1], 'cancelRequested', '1')
end
return status
`;

/**
 * KEYS: record hash. ARGV: field/value pairs to set (tags as JSON, note). Sets them only when the
 * record exists, so an annotation never brings back a record that retention deleted meanwhile.
 * Returns 1, or 0 when the record does not exist.
 */
export const ANNOTATE_LUA = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
`;
