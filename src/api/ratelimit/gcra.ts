// GCRA (generic cell rate algorithm) in one round trip, after observatorium/api's ratelimit/gcra_rate_limit.lua:
// the key holds the theoretical arrival time (TAT, ms). A request is allowed when it does not push the TAT
// beyond now + burst * interval. Time comes from the caller (ARGV[1]) so every replica uses the same formula.
// KEYS[1] bucket; ARGV: now_ms, burst, rate, period_ms, cost.
// Returns {limited (0/1), remaining, retry_in_ms, reset_in_ms}.
// (A TypeScript string so that the build, which emits only .ts, ships it.)
export const GCRA_LUA = `
redis.replicate_commands()
local now = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local period = tonumber(ARGV[4])
local cost = tonumber(ARGV[5])

local interval = period / rate
local increment = interval * cost
local burst_offset = interval * burst

local tat = tonumber(redis.call("GET", KEYS[1]) or now)
if tat < now then tat = now end

local new_tat = tat + increment
local allow_at = new_tat - burst_offset
local diff = now - allow_at

if diff < 0 then
  local remaining = math.floor((now - (tat - burst_offset)) / interval)
  if remaining < 0 then remaining = 0 end
  return {1, remaining, math.ceil(-diff), math.ceil(tat - now)}
end

local reset_in = math.ceil(new_tat - now)
redis.call("SET", KEYS[1], tostring(new_tat), "PX", math.max(reset_in, 1))
return {0, math.floor(diff / interval), 0, reset_in}
`;
