// Lua for the fair-share scheduler: each step reads and writes the clock, the counters and
// BullMQ's lists together, so concurrent API instances and workers never see half an update.
// BullMQ keeps a prioritized job at score priority × 2^32 + insertion counter (its
// getPriorityScore), so "jobs before priority p" is a ZCOUNT below (p + 1) × 2^32.

/**
 * Assigns start-time fair queuing tags to one student's new jobs.
 * KEYS: virtual clock, per-student last tag (hash), then BullMQ's wait, prioritized, active, delayed.
 * ARGV: student, number of jobs, BullMQ's maximum priority.
 * Returns the tags (BullMQ priorities), in submission order.
 */
export const ASSIGN_TAGS_LUA = `
-- A queue with nothing waiting, delayed or running forgets its history: everyone starts level,
-- and tags stay far below BullMQ's maximum priority.
if redis.call('LLEN', KEYS[3]) == 0 and redis.call('ZCARD', KEYS[4]) == 0
  and redis.call('LLEN', KEYS[5]) == 0 and redis.call('ZCARD', KEYS[6]) == 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
end
local clock = tonumber(redis.call('GET', KEYS[1]) or '0')
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local start = math.max(clock, last)
local n = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local tags = {}
for i = 1, n do tags[i] = math.min(start + i, max) end
redis.call('HSET', KEYS[2], ARGV[1], start + n)
return tags
`;

/** KEYS: virtual clock. ARGV: the start tag (priority - 1) of a job that starts now. */
export const ADVANCE_CLOCK_LUA = `
local tag = tonumber(ARGV[1])
if tag > tonumber(redis.call('GET', KEYS[1]) or '0') then redis.call('SET', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * Takes one of a student's running slots for a job, unless they hold `max` already. A slot whose
 * job lost its BullMQ lock (its worker died) is freed here, so a crash cannot leak slots.
 * KEYS: the student's running set. ARGV: job id, max, BullMQ's job key prefix.
 * Returns 1 when the slot is taken (or already held by this job), 0 when the student is at max.
 */
export const ACQUIRE_SLOT_LUA = `
local held = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  if id == ARGV[1] then return 1 end
  if redis.call('EXISTS', ARGV[3] .. id .. ':lock') == 1 then held = held + 1 else redis.call('SREM', KEYS[1], id) end
end
if held >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1
`;

/**
 * A job's place in the start order: 1 = next. BullMQ takes the wait list (jobs without a priority,
 * from its tail) before the prioritized set. A delayed job (a retry's backoff, or deferred by the
 * running limit) is placed where its priority puts it once it is ready again.
 * KEYS: wait, prioritized, delayed, the job's hash. ARGV: job id.
 * Returns the position, or -1 when the job is not waiting (running, finished, unknown).
 */
export const POSITION_LUA = `
local waiting = redis.call('LLEN', KEYS[1])
local score = redis.call('ZSCORE', KEYS[2], ARGV[1])
if score then return waiting + redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. score) + 1 end
local index = redis.call('LPOS', KEYS[1], ARGV[1])
if index then return waiting - index end
if not redis.call('ZSCORE', KEYS[3], ARGV[1]) then return -1 end
local priority = tonumber(redis.call('HGET', KEYS[4], 'priority') or '0')
if priority == 0 then return waiting + 1 end
return waiting + redis.call('ZCOUNT', KEYS[2], '-inf', '(' .. string.format('%.0f', (priority + 1) * 4294967296)) + 1
`;

/**
 * Folds one finished run's figure into a hash field's JSON `{<name>: value, runs, updatedAt?}`,
 * atomically (several workers finish runs at once): an exponential moving average, so that a
 * changed worker fleet shows within a few runs. Used for the run durations (seconds per
 * image-epoch, by kind: `rate`) and the measured throughput (ThroughputStore: `flopsPerSec`).
 * KEYS: the hash. ARGV: field, this run's value, weight of the new run, the value's name in the
 * JSON, ISO time of the run or '' (none kept). Returns the field's run count.
 */
export const SMOOTHED_AVERAGE_LUA = `
local name = ARGV[4]
local value = tonumber(ARGV[2])
local runs = 1
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if cur then
  local c = cjson.decode(cur)
  value = c[name] + tonumber(ARGV[3]) * (value - c[name])
  runs = c.runs + 1
end
local entry = { runs = runs }
entry[name] = value
if ARGV[5] ~= '' then entry.updatedAt = ARGV[5] end
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(entry))
return runs
`;
