"""The one Lua program every Redis state call runs: a list of ops applied atomically.

The window table is generated from :mod:`service.state.windows`, so the script cannot drift from
the bucket rule; the SHA changes with it and redis-py reloads on ``NOSCRIPT``.

``ARGV[1..8]`` is a header — minute index, hour index, event time (the caller's exact decimal
string, stored as is and compared with ``tonumber``), record flag, link cap, and the TTLs of
minute hashes, hour hashes and everything else. Ops follow from ``ARGV[9]``, each an opcode and
its arguments, consuming ``KEYS`` in order; the reply is the ops' outputs, concatenated:

====  =====================  ===================  =============================================
op    keys                   args                 reply
====  =====================  ===================  =============================================
E     event marker           —                    1 if the event id was seen (clears record)
C     minute hash, hour hash —                    one count per window, before this event
L     link hash              account              other accounts linked, before this event
S     account hash           n, n field/value     nothing (creates the signup record)
K     account hash           —                    at, ip, p, d, s, a, n, f of the account
D     account hash           score, action        nothing (only onto an existing record)
====  =====================  ===================  =============================================

Bucket hashes hold ``<index> -> count``. The highest index ever added is the highest field
present (pruning never drops it), so no extra field is needed: when more than ``keep`` buckets
remain, those at or below ``top - keep`` are dropped — the rule of ``memory._Counter.add``, so
pruning (which late events can observe) matches bit for bit.
"""

from __future__ import annotations

from service.state.windows import HOUR_KEEP, MINUTE, MINUTE_KEEP, WINDOWS, bucket_width, span


def _table() -> str:
    kinds = ", ".join("'m'" if bucket_width(w) == MINUTE else "'h'" for w in WINDOWS)
    spans = ", ".join(str(span(w)) for w in WINDOWS)
    zeros = ", ".join("0" for _ in WINDOWS)
    return (
        f"local KINDS = {{{kinds}}}\n"
        f"local SPANS = {{{spans}}}\n"
        f"local function zeros() return {{{zeros}}} end\n"
        f"local KEEP = {{m = {MINUTE_KEEP}, h = {HOUR_KEEP}}}\n"
    )


_BODY = r"""
local m_field, h_field = ARGV[1], ARGV[2]
local m_idx, h_idx = tonumber(m_field), tonumber(h_field)
local at = ARGV[3]
local record = ARGV[4] == '1'
local cap = tonumber(ARGV[5])
local m_ttl, h_ttl, r_ttl = ARGV[6], ARGV[7], ARGV[8]

-- Adds one bucket hash's counts to the windows of its kind; returns its fields, top index, size.
local function scan(key, idx, kind, sums)
  local flat = redis.call('HGETALL', key)
  local top = false
  for i = 1, #flat, 2 do
    local b = tonumber(flat[i])
    if not top or b > top then top = b end
    local age = idx - b
    if age >= 0 then
      local c = tonumber(flat[i + 1])
      for w = 1, #SPANS do
        if KINDS[w] == kind and age < SPANS[w] then sums[w] = sums[w] + c end
      end
    end
  end
  return flat, top, #flat / 2
end

-- Records one event in bucket `field`, then prunes exactly like memory._Counter.add.
local function bump(key, field, idx, kind, ttl, flat, top, n)
  local fresh = redis.call('HINCRBY', key, field, 1) == 1
  if fresh then n = n + 1 end
  if not top or idx > top then top = idx end
  local keep = KEEP[kind]
  if n > keep then
    local floor, gone = top - keep, {}
    for i = 1, #flat, 2 do
      if tonumber(flat[i]) <= floor then gone[#gone + 1] = flat[i] end
    end
    if fresh and idx <= floor then gone[#gone + 1] = field end
    if #gone > 0 then redis.call('HDEL', key, unpack(gone)) end
  end
  redis.call('EXPIRE', key, ttl)
end

local out, k, a = {}, 1, 9
while a <= #ARGV do
  local op = ARGV[a]
  a = a + 1
  if op == 'E' then
    if redis.call('SET', KEYS[k], '1', 'NX', 'EX', r_ttl) then
      out[#out + 1] = 0
    else
      out[#out + 1] = 1
      record = false
    end
    k = k + 1
  elseif op == 'C' then
    local mk, hk, sums = KEYS[k], KEYS[k + 1], zeros()
    k = k + 2
    local mf, mt, mn = scan(mk, m_idx, 'm', sums)
    local hf, ht, hn = scan(hk, h_idx, 'h', sums)
    for w = 1, #sums do out[#out + 1] = sums[w] end
    if record then
      bump(mk, m_field, m_idx, 'm', m_ttl, mf, mt, mn)
      bump(hk, h_field, h_idx, 'h', h_ttl, hf, ht, hn)
    end
  elseif op == 'L' then
    local key, account = KEYS[k], ARGV[a]
    k, a = k + 1, a + 1
    local n = redis.call('HLEN', key)
    local mine = 0
    if n > 0 then mine = redis.call('HEXISTS', key, account) end
    out[#out + 1] = n - mine
    if record then
      if mine == 0 and n < cap then redis.call('HSET', key, account, '') end
      redis.call('EXPIRE', key, r_ttl)
    end
  elseif op == 'S' then
    local key, nf = KEYS[k], tonumber(ARGV[a])
    k = k + 1
    if record then
      if redis.call('HEXISTS', key, 'at') == 0 then
        redis.call('HSET', key, 'at', at, unpack(ARGV, a + 1, a + 2 * nf))
      end
      redis.call('EXPIRE', key, r_ttl)
    end
    a = a + 1 + 2 * nf
  elseif op == 'K' then
    local key = KEYS[k]
    k = k + 1
    local v = redis.call('HMGET', key, 'at', 'ip', 'p', 'd', 's', 'a', 'n', 'f')
    for i = 1, 8 do out[#out + 1] = v[i] end
    if record then
      redis.call('HINCRBY', key, 'n', 1)
      if not v[8] or tonumber(at) < tonumber(v[8]) then redis.call('HSET', key, 'f', at) end
      redis.call('EXPIRE', key, r_ttl)
    end
  elseif op == 'D' then
    local key = KEYS[k]
    k = k + 1
    if redis.call('HEXISTS', key, 'at') == 1 then
      redis.call('HSET', key, 's', ARGV[a], 'a', ARGV[a + 1])
    end
    a = a + 2
  else
    return redis.error_reply('ERR signupguard: unknown op ' .. tostring(op))
  end
end
return out
"""

# `#!lua` (Redis >= 7.0): keys must be declared, so Cluster rejects a cross-slot call outright.
PROGRAM = "#!lua\n-- SignupGuard state program (service/state/redis_lua.py)\n" + _table() + _BODY

# Reply width of each op, for splitting the flat reply.
WIDTH = {"E": 1, "C": len(WINDOWS), "L": 1, "S": 0, "K": 8, "D": 0}
