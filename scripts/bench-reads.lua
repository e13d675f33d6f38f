-- wrk script for scripts/bench-reads: each request is a random line of TARGETS, which
-- holds "<bearer token> <path>" per line ("-" for no token). When wrk finishes, one line
-- is printed for the script to read:
--   RESULT <requests/s> <p50 ms> <p99 ms> <requests> <non-2xx> <socket errors>
local targets = {}

function init(args)
  for line in io.lines(os.getenv("TARGETS")) do
    local token, path = line:match("^(%S+)%s+(%S+)$")
    if token then
      targets[#targets + 1] = { token = token, path = path }
    end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local target = targets[math.random(#targets)]
  local headers = {}
  if target.token ~= "-" then
    headers["Authorization"] = "Bearer " .. target.token
  end
  return wrk.format("GET", target.path, headers)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout))
end
