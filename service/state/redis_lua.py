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
G     link hash, flag hash   account              as L, and the set joins the group (see U);
                                                  then the link's flag mass at ``at``
M     link hash, flag hash   account              as L, then the set's members (a nested array)
                                                  if fewer than GROUP_CAP others, else ``{}``,
                                                  then the flag mass, as G
U     —                      —                    group size and summed flag mass over the G/M
                                                  ops since the last U
S     account hash           n, n field/value     1 if it created the signup record; after a U
                                                  in the same call also stores its group size
                                                  ``g`` and flag mass ``fm``/``ft`` (snapshot)
K     account hash           —                    at ip p d s a n f g fm ft of the account
D     account hash           score, action, hold  nothing, or (hold = 1, first time) at d c ph
                                                  em of the account it newly holds
P     account hash           mass, at, group      nothing (a snapshot computed client-side)
F     link hash, flag hash   account, at          adds 1 to the link's flag mass at ``at``;
                                                  the set's other members (a nested array)
A     account hash           at, n                nothing (adds 1 to its flag mass n times)
====  =====================  ===================  =============================================

Flag masses (:mod:`service.state.flags`) follow :func:`service.state.flags.add` and
:func:`~service.state.flags.decayed` operation by operation and travel as ``%.17g`` strings
(Lua's own ``tostring`` keeps 14 digits), so they read back exact. D, P, F and A are the
attacher's ops (:mod:`service.state.attach`), off the request path.

Bucket hashes hold ``<index> -> count``. The highest index ever added is the highest field
present (pruning never drops it), so no extra field is needed: when more than ``keep`` buckets
remain, those at or below ``top - keep`` are dropped — the rule of ``memory._Counter.add``, so
pruning (which late events can observe) matches bit for bit.

The group follows :func:`service.state.base.group_size`: a set with ``GROUP_CAP`` or more other
accounts fills the group at once (no member is read); the members of smaller sets are unioned
until the union holds ``GROUP_CAP`` others. Every set is read before this signup joins it. On one
server G and U do it all in the one call. On Cluster the link hashes sit in different slots, so
the executor sends M in place of G and finishes U client-side from the members it returns.
"""

from __future__ import annotations

from service.state.base import GROUP_CAP
from service.state.windows import (
    FLAG_HALF_LIFE,
    HOUR_KEEP,
    MINUTE,
    MINUTE_KEEP,
    WINDOWS,
    bucket_width,
    span,
)


def _table() -> str:
    kinds = ", ".join("'m'" if bucket_width(w) == MINUTE else "'h'" for w in WINDOWS)
    spans = ", ".join(str(span(w)) for w in WINDOWS)
    zeros = ", ".join("0" for _ in WINDOWS)
    return (
        f"local KINDS = {{{kinds}}}\n"
        f"local SPANS = {{{spans}}}\n"
        f"local function zeros() return {{{zeros}}} end\n"
        f"local KEEP = {{m = {MINUTE_KEEP}, h = {HOUR_KEEP}}}\n"
        f"local GROUP_CAP = {GROUP_CAP}\n"
        f"local HALF_LIFE = {float(FLAG_HALF_LIFE)!r}\n"
    )


_BODY = r"""
local m_field, h_field = ARGV[1], ARGV[2]
local m_idx, h_idx = tonumber(m_field), tonumber(h_field)
local at = ARGV[3]
local record = ARGV[4] == '1'
local cap = tonumber(ARGV[5])
local m_ttl, h_ttl, r_ttl = ARGV[6], ARGV[7], ARGV[8]
local at_n = tonumber(at)

-- Flag mass, as service.state.flags does it: the same operations in the same order.
local function decayed(m, t0, t)
  if not m then return 0 end
  if t <= t0 then return m end
  return m * 2 ^ (-(t - t0) / HALF_LIFE)
end
local function addmass(m, t0, t, amount)
  if not m then return amount, t end
  if t >= t0 then return m * 2 ^ (-(t - t0) / HALF_LIFE) + amount, t end
  return m + amount * 2 ^ (-(t0 - t) / HALF_LIFE), t0
end
local function fmt(x) return string.format('%.17g', x) end
local function num(v) if v then return tonumber(v) end return nil end

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

-- Reads one link hash before this event, then adds the account (below the cap); returns the
-- count of other accounts and, when that is below GROUP_CAP, the members (else false).
local function link(key, account, group)
  local n = redis.call('HLEN', key)
  local mine = 0
  if n > 0 then mine = redis.call('HEXISTS', key, account) end
  local others, members = n - mine, false
  if group and others < GROUP_CAP then
    members = {}
    if others > 0 then members = redis.call('HKEYS', key) end
  end
  if record then
    if mine == 0 and n < cap then redis.call('HSET', key, account, '') end
    redis.call('EXPIRE', key, r_ttl)
  end
  return others, members
end

-- The group being gathered by G/M ops: other accounts seen, how many, and whether it is full;
-- the flag mass summed over them; the last U's group and mass, for S.
local seen, seen_n, full, flag_sum = {}, 0, false, 0
local last_group, last_flag = nil, nil
local function gather(account, others, members)
  if full then return end
  if not members then
    full = true
    return
  end
  for i = 1, #members do
    local m = members[i]
    if m ~= account and not seen[m] then
      seen[m] = true
      seen_n = seen_n + 1
    end
  end
  if seen_n >= GROUP_CAP then full = true end
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
  elseif op == 'L' or op == 'G' or op == 'M' then
    local key, account = KEYS[k], ARGV[a]
    k, a = k + 1, a + 1
    local others, members = link(key, account, op ~= 'L' and not (op == 'G' and full))
    out[#out + 1] = others
    if op ~= 'L' then
      gather(account, others, members)
      if op == 'M' then out[#out + 1] = members or {} end
      local f = redis.call('HMGET', KEYS[k], 'm', 't')
      k = k + 1
      local v = decayed(num(f[1]), num(f[2]), at_n)
      flag_sum = flag_sum + v
      out[#out + 1] = fmt(v)
    end
  elseif op == 'U' then
    if full then last_group = GROUP_CAP else last_group = seen_n end
    last_flag = flag_sum
    out[#out + 1] = last_group
    out[#out + 1] = fmt(flag_sum)
    seen, seen_n, full, flag_sum = {}, 0, false, 0
  elseif op == 'S' then
    local key, nf = KEYS[k], tonumber(ARGV[a])
    k = k + 1
    local created = 0
    if record then
      if redis.call('HEXISTS', key, 'at') == 0 then
        created = 1
        redis.call('HSET', key, 'at', at, unpack(ARGV, a + 1, a + 2 * nf))
        if last_group then redis.call('HSET', key, 'g', last_group) end
        if last_flag and last_flag > 0 then
          redis.call('HSET', key, 'fm', fmt(last_flag), 'ft', at)
        end
      end
      redis.call('EXPIRE', key, r_ttl)
    end
    out[#out + 1] = created
    a = a + 1 + 2 * nf
  elseif op == 'K' then
    local key = KEYS[k]
    k = k + 1
    local v = redis.call('HMGET', key, 'at', 'ip', 'p', 'd', 's', 'a', 'n', 'f', 'g', 'fm', 'ft')
    for i = 1, 11 do out[#out + 1] = v[i] end
    if record then
      redis.call('HINCRBY', key, 'n', 1)
      if not v[8] or tonumber(at) < tonumber(v[8]) then redis.call('HSET', key, 'f', at) end
      redis.call('EXPIRE', key, r_ttl)
    end
  elseif op == 'D' then
    local key = KEYS[k]
    k = k + 1
    local held = {false, false, false, false, false}
    if redis.call('HEXISTS', key, 'at') == 1 then
      redis.call('HSET', key, 's', ARGV[a], 'a', ARGV[a + 1])
      if ARGV[a + 2] == '1' and redis.call('HSETNX', key, 'h', '1') == 1 then
        held = redis.call('HMGET', key, 'at', 'd', 'c', 'ph', 'em')
      end
    end
    for i = 1, 5 do out[#out + 1] = held[i] end
    a = a + 3
  elseif op == 'P' then
    local key = KEYS[k]
    k = k + 1
    if redis.call('HEXISTS', key, 'at') == 1 then
      if ARGV[a + 2] ~= '' then redis.call('HSET', key, 'g', ARGV[a + 2]) end
      local amount = tonumber(ARGV[a])
      if amount > 0 then
        local f = redis.call('HMGET', key, 'fm', 'ft')
        local m, t0 = addmass(num(f[1]), num(f[2]), tonumber(ARGV[a + 1]), amount)
        redis.call('HSET', key, 'fm', fmt(m), 'ft', fmt(t0))
      end
    end
    a = a + 3
  elseif op == 'F' then
    local key, fkey, account = KEYS[k], KEYS[k + 1], ARGV[a]
    k = k + 2
    local f = redis.call('HMGET', fkey, 'm', 't')
    local m, t0 = addmass(num(f[1]), num(f[2]), tonumber(ARGV[a + 1]), 1)
    redis.call('HSET', fkey, 'm', fmt(m), 't', fmt(t0))
    redis.call('EXPIRE', fkey, r_ttl)
    local members, others = redis.call('HKEYS', key), {}
    for i = 1, #members do
      if members[i] ~= account then others[#others + 1] = members[i] end
    end
    out[#out + 1] = others
    a = a + 2
  elseif op == 'A' then
    local key = KEYS[k]
    k = k + 1
    if redis.call('HEXISTS', key, 'at') == 1 then
      local f = redis.call('HMGET', key, 'fm', 'ft')
      local m, t0 = num(f[1]), num(f[2])
      local t = tonumber(ARGV[a])
      for _ = 1, tonumber(ARGV[a + 1]) do m, t0 = addmass(m, t0, t, 1) end
      redis.call('HSET', key, 'fm', fmt(m), 'ft', fmt(t0))
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
WIDTH = {
    "E": 1,
    "C": len(WINDOWS),
    "L": 1,
    "G": 2,
    "M": 3,
    "U": 2,
    "S": 1,
    "K": 11,
    "D": 5,
    "P": 0,
    "F": 1,
    "A": 0,
}
