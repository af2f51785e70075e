/**
 * The engine's Lua scripts. Each one runs atomically in Redis, so a channel's
 * offset, its stream entry and the pub/sub message announcing it can never
 * disagree, and two nodes publishing at once get distinct, consecutive
 * offsets delivered in offset order (a script's PUBLISH is sent in script
 * order). Pub/sub messages are binary: `p<offset>:<epoch>:<data>` for a
 * publication, `j<n>:<clientId><info>` / `l<n>:<clientId><info>` for a join /
 * leave (n: the client id's length in bytes).
 */

/** Extends a key's time to live to at least `ms`, never shortens it (several nodes may use different TTLs). */
const EXTEND = `
local function extend(key, ms)
  if redis.call('pttl', key) < tonumber(ms) then redis.call('pexpire', key, ms) end
end
`;

/** Now in milliseconds on Redis's clock, which every node shares (theirs may disagree). */
const NOW = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Drops presence entries whose time has passed, announcing a leave for each. */
const PRUNE = `
local function prune(hash, zset, channel, cmd, now)
  local expired = redis.call('zrangebyscore', zset, '-inf', now)
  if #expired == 0 then return end
  for _, id in ipairs(expired) do
    local info = redis.call('hget', hash, id)
    if info then
      redis.call('hdel', hash, id)
      redis.call(cmd, channel, 'l' .. #id .. ':' .. id .. info)
    end
  end
  redis.call('zremrangebyscore', zset, '-inf', now)
end
`;

/** Arguments per publication in PUBLISH_BATCH, after its two leading ones. */
const PUBLISH_BATCH_STRIDE = 5;

/**
 * Publishes a batch: every publication a node made in one event-loop turn
 * (of one cluster slot), in one script call. KEYS: meta and stream of each
 * publication, in order. ARGV: publish command, epoch to start for a channel
 * that has none, then per publication: pub/sub channel, data, history size
 * ('0': keep nothing), history TTL ms, meta TTL ms. Returns {offset1,
 * epoch1, offset2, epoch2, ...}; offset 0 with an error message in place of
 * the epoch for a publication that failed, so that one bad key fails only its
 * own publications. With history, the meta key expires with the stream: a
 * lost history is a lost position.
 */
export const PUBLISH_BATCH = `
local cmd, fresh = ARGV[1], ARGV[2]
local function publish(meta, stream, channel, data, size, historyTtl, metaTtl)
  local epoch = redis.call('hget', meta, 'e')
  if not epoch then
    epoch = fresh
    redis.call('hset', meta, 'e', epoch)
  end
  local offset = redis.call('hincrby', meta, 'o', 1)
  redis.call('pexpire', meta, metaTtl)
  if offset == 1 then
    -- a new epoch: whatever stream is left belongs to a lost one
    redis.call('del', stream)
  end
  if size ~= '0' then
    redis.call('xadd', stream, 'MAXLEN', size, offset .. '-0', 'd', data)
    redis.call('pexpire', stream, historyTtl)
  end
  redis.call(cmd, channel, 'p' .. offset .. ':' .. epoch .. ':' .. data)
  return offset, epoch
end
local out = {}
for i = 1, #KEYS / 2 do
  local a = 2 + (i - 1) * ${PUBLISH_BATCH_STRIDE}
  local ok, offset, epoch = pcall(publish, KEYS[2 * i - 1], KEYS[2 * i], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5])
  if ok then
    out[#out + 1] = offset
    out[#out + 1] = epoch
  else
    out[#out + 1] = 0
    out[#out + 1] = type(offset) == 'table' and (offset.err or offset.msg) or tostring(offset)
  end
end
return out
`;

/**
 * KEYS: meta, stream. ARGV: epoch to start if the channel has none, the
 * caller's epoch ('' for none), first offset wanted, limit ('-1': no limit),
 * TTL ms of a meta key made here. Returns {offset, epoch, offset1, data1, ...}.
 * A channel without an epoch gets one here, so that a position read before
 * the first publication stays valid after it.
 */
export const HISTORY = `
local meta = redis.call('hmget', KEYS[1], 'e', 'o')
local epoch, top = meta[1], tonumber(meta[2]) or 0
if not epoch then
  epoch = ARGV[1]
  top = 0
  redis.call('hset', KEYS[1], 'e', epoch)
  redis.call('pexpire', KEYS[1], ARGV[5])
end
local out = {top, epoch}
local from = tonumber(ARGV[3])
if ARGV[2] ~= epoch or ARGV[4] == '0' or from > top then return out end
local entries
if ARGV[4] == '-1' then
  entries = redis.call('xrange', KEYS[2], ARGV[3] .. '-0', '+')
else
  entries = redis.call('xrange', KEYS[2], ARGV[3] .. '-0', '+', 'COUNT', ARGV[4])
end
for _, entry in ipairs(entries) do
  out[#out + 1] = tonumber(string.match(entry[1], '^(%d+)'))
  out[#out + 1] = entry[2][2]
end
return out
`;

/** KEYS: presence, presence expiry. ARGV: pub/sub channel, publish command, TTL ms, client id, info. Adds or refreshes the entry and announces a join. */
export const PRESENCE_ADD = `${EXTEND}${NOW}${PRUNE}
redis.call('hset', KEYS[1], ARGV[4], ARGV[5])
redis.call('zadd', KEYS[2], now + tonumber(ARGV[3]), ARGV[4])
extend(KEYS[1], ARGV[3])
extend(KEYS[2], ARGV[3])
prune(KEYS[1], KEYS[2], ARGV[1], ARGV[2], now)
redis.call(ARGV[2], ARGV[1], 'j' .. #ARGV[4] .. ':' .. ARGV[4] .. ARGV[5])
return 1
`;

/**
 * KEYS: presence, presence expiry. ARGV: pub/sub channel, publish command,
 * TTL ms, then client id and info pairs: this node's entries, written again
 * (they are back after Redis lost them) with a new expiry, silently. Others'
 * expired entries are pruned.
 */
export const PRESENCE_REFRESH = `${EXTEND}${NOW}${PRUNE}
local expiry = now + tonumber(ARGV[3])
for i = 4, #ARGV, 2 do
  redis.call('hset', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('zadd', KEYS[2], expiry, ARGV[i])
end
extend(KEYS[1], ARGV[3])
extend(KEYS[2], ARGV[3])
prune(KEYS[1], KEYS[2], ARGV[1], ARGV[2], now)
return 1
`;

/** KEYS: presence, presence expiry. ARGV: pub/sub channel, publish command, client id. Removes the entry and announces a leave if it existed. */
export const PRESENCE_REMOVE = `
local info = redis.call('hget', KEYS[1], ARGV[3])
if not info then return 0 end
redis.call('hdel', KEYS[1], ARGV[3])
redis.call('zrem', KEYS[2], ARGV[3])
redis.call(ARGV[2], ARGV[1], 'l' .. #ARGV[3] .. ':' .. ARGV[3] .. info)
return 1
`;

/** KEYS: presence, presence expiry. ARGV: pub/sub channel, publish command. Prunes expired entries, returns {id1, info1, id2, info2, ...}. */
export const PRESENCE_GET = `${NOW}${PRUNE}
prune(KEYS[1], KEYS[2], ARGV[1], ARGV[2], now)
return redis.call('hgetall', KEYS[1])
`;
