-- wrk script: each thread walks its own share of the request paths in TWOFOLD_PATHS.
local paths = {}
for line in io.lines(os.getenv("TWOFOLD_PATHS")) do
  paths[#paths + 1] = line
end
local key = os.getenv("TWOFOLD_KEY")
local step = tonumber(os.getenv("TWOFOLD_THREADS"))
local started = 0
function setup(thread)
  thread:set("tid", started)
  started = started + 1
end
local i = 0
function init(args)
  i = tid
end
function request()
  local p = paths[(i % #paths) + 1]
  i = i + step
  return wrk.format("GET", p, { ["X-Authy-API-Key"] = key })
end
