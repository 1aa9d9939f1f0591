// The roster in Redis: one hash, name → JSON entry. Every change bumps a version counter (so each
// API instance notices it on its next request) and publishes the user's name (so each instance
// drops that user's sockets at once). Lua keeps entry, version and message together.
//
// Entry: { role, tokenHash ('' when revoked), source: 'file' | 'api', fileHash?, fileRole?,
//          updatedAt, revokedAt? }. fileHash/fileRole remember what the file said at the last seed.

/**
 * Seeds from the CLASS_ROSTER file, as each API instance starts. Per user:
 * - not in Redis: added from the file;
 * - in Redis, and the file says what it said at the last seed: Redis wins (tokens rotated or
 *   revoked through the API stay so across restarts);
 * - the file changed for that user: the file wins;
 * - added from the file earlier and no longer in it: removed.
 * Users added through the API stay until revoked.
 * KEYS: roster hash, version. ARGV: channel, JSON [{name, role, tokenHash}], now (ISO).
 * Returns the names changed.
 */
export const SEED_ROSTER_LUA = `
local file = cjson.decode(ARGV[2])
local listed = {}
local changed = {}
for _, e in ipairs(file) do
  listed[e.name] = true
  local cur = redis.call('HGET', KEYS[1], e.name)
  local c = cur and cjson.decode(cur)
  if not c or c.fileHash ~= e.tokenHash or c.fileRole ~= e.role then
    redis.call('HSET', KEYS[1], e.name, cjson.encode({ role = e.role, tokenHash = e.tokenHash, source = 'file',
      fileHash = e.tokenHash, fileRole = e.role, updatedAt = ARGV[3] }))
    table.insert(changed, e.name)
  end
end
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if not listed[all[i]] and cjson.decode(all[i + 1]).source == 'file' then
    redis.call('HDEL', KEYS[1], all[i])
    table.insert(changed, all[i])
  end
end
if #changed > 0 then
  redis.call('INCR', KEYS[2])
  for _, name in ipairs(changed) do redis.call('PUBLISH', ARGV[1], name) end
end
return changed
`;

/**
 * An admin's change. KEYS: roster hash, version.
 * ARGV: channel, op ('add' | 'rotate' | 'revoke'), name, role (add), token hash (add, rotate), now.
 * Returns 'ok', 'exists' (add), 'missing' (rotate, revoke) or 'last-admin' (revoking the only
 * admin who can still sign in, which would lock everyone out of the admin routes).
 */
export const CHANGE_USER_LUA = `
local cur = redis.call('HGET', KEYS[1], ARGV[3])
local entry
if ARGV[2] == 'add' then
  if cur then return 'exists' end
  entry = { role = ARGV[4], tokenHash = ARGV[5], source = 'api' }
else
  if not cur then return 'missing' end
  entry = cjson.decode(cur)
  if ARGV[2] == 'rotate' then
    entry.tokenHash = ARGV[5]
    entry.revokedAt = nil
  else
    if entry.role == 'admin' and entry.tokenHash ~= '' then
      local others = 0
      local all = redis.call('HGETALL', KEYS[1])
      for i = 1, #all, 2 do
        local e = cjson.decode(all[i + 1])
        if all[i] ~= ARGV[3] and e.role == 'admin' and e.tokenHash ~= '' then others = others + 1 end
      end
      if others == 0 then return 'last-admin' end
    end
    entry.tokenHash = ''
    entry.revokedAt = ARGV[6]
  end
end
entry.updatedAt = ARGV[6]
redis.call('HSET', KEYS[1], ARGV[3], cjson.encode(entry))
redis.call('INCR', KEYS[2])
redis.call('PUBLISH', ARGV[1], ARGV[3])
return 'ok'
`;
