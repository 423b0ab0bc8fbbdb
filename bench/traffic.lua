-- wrk script of bench/run.sh: each request goes to the next measured tenant
-- (its Host, and its admin's token where the endpoint needs one), so that a
-- run's traffic is spread over every measured tenant, not one tenant's
-- warm rows.
--
--   wrk -s bench/traffic.lua http://127.0.0.1:PORT \
--       -- MODE TARGETS ORGANIZATIONS COURSES THREADS FIRST_PAIR PASSWORD
--
-- MODE: site, sites, studio-list, catalog, course, token or enroll.
-- TARGETS: one line per measured tenant: its host, its admin's access
--   token, its learners' ids (comma-separated).
-- ORGANIZATIONS, COURSES: the seeded shape; course keys are
--   course-v1:D<o>+C<c>+2026.
-- THREADS: wrk's -t (threads start their rounds of the tenants apart,
--   and take every THREADS-th enroll request number).
-- FIRST_PAIR: enroll only: the first request number of this run. Request
--   number p enrolls one learner in one course of one tenant, a different
--   (tenant, course, learner) for every p below tenants x courses x
--   learners, so each request creates a row as long as runs start where
--   the last one stopped (NEXT_PAIR below).
-- PASSWORD: the admins' password, for the token grant.
--
-- `done` prints one line, for enroll a second, and for token and enroll
-- what failed, if anything did:
--   RESULT <requests/s> <p50 ms> <p99 ms> <requests> <non-2xx/3xx> <socket errors>
--   NEXT_PAIR <first request number no thread of this run used>
--   FAILURES thread <n>: <status>x<count>,…; first: <status> <body>

local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

local mode, tenants, course_keys, thread_count, password
local sent = 0 -- requests this thread made
local first_tenant -- where this thread starts its round of the tenants
local next_number -- enroll: this thread's next request number
local fixed = {} -- per tenant, for modes whose request is the same each time

local function read_targets(path)
  local list = {}
  for line in io.lines(path) do
    local host, token, learners = line:match("^(%S+) (%S+) (%S+)$")
    assert(host, "bad line in " .. path .. ": " .. line)
    local ids = {}
    for id in learners:gmatch("[^,]+") do
      ids[#ids + 1] = id
    end
    list[#list + 1] = { host = host, token = token, learners = ids }
  end
  assert(#list > 0, path .. " names no tenant")
  return list
end

local function get(tenant, path, authenticated)
  local headers = { Host = tenant.host }
  if authenticated then
    headers.Authorization = "Bearer " .. tenant.token
  end
  return wrk.format("GET", path, headers)
end

local paths = {
  site = { "/api/v1/site", false },
  sites = { "/api/v1/sites", true },
  ["studio-list"] = { "/api/v1/courses?limit=20", true },
  catalog = { "/api/v1/catalog?limit=20", false },
}

function init(args)
  mode = args[1]
  tenants = read_targets(args[2])
  local organizations, courses = tonumber(args[3]), tonumber(args[4])
  thread_count = tonumber(args[5])
  password = args[7]
  course_keys = {}
  for o = 0, organizations - 1 do
    for c = 0, courses - 1 do
      course_keys[#course_keys + 1] = string.format("course-v1:D%d+C%d+2026", o, c)
    end
  end

  first_tenant = math.floor(#tenants * thread_index / thread_count)
  if mode == "enroll" then
    next_number = tonumber(args[6]) + thread_index
    next_pair = next_number
  end

  if paths[mode] then
    for t, tenant in ipairs(tenants) do
      fixed[t] = get(tenant, paths[mode][1], paths[mode][2])
    end
  end
  assert(paths[mode] or mode == "course" or mode == "token" or mode == "enroll",
    "unknown mode " .. tostring(mode))
  -- A response hook slows wrk down, so only the slow endpoints say what
  -- their failures were; a read's failure is shown by run.sh.
  if mode == "token" or mode == "enroll" then
    response = note_failure
  end
end

local failures = {} -- count by status, this thread

function note_failure(status, headers, body)
  if status < 400 then
    return
  end
  failures[status] = (failures[status] or 0) + 1
  local counts = {}
  for code, count in pairs(failures) do
    counts[#counts + 1] = code .. "x" .. count
  end
  failure_counts = table.concat(counts, ",")
  if not first_failure then
    first_failure = status .. " " .. (body or ""):sub(1, 300):gsub("%s+", " ")
  end
end

-- A password grant from its own client address (X-Forwarded-For, which
-- run.sh has the server believe from 127.0.0.1): people log in from many
-- addresses, and the throttle's per-address count would otherwise see the
-- whole load as one client.
local function token(tenant, number)
  local address = string.format("10.%d.%d.%d",
    math.floor(number / 65536) % 256, math.floor(number / 256) % 256, number % 256)
  return wrk.format("POST", "/api/v1/auth/token", {
    Host = tenant.host,
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Forwarded-For"] = address,
  }, "grant_type=password&username=admin&password=" .. password)
end

local function enroll(number)
  local tenant_count, key_count = #tenants, #course_keys
  local tenant = tenants[number % tenant_count + 1]
  local rest = math.floor(number / tenant_count)
  local key = course_keys[rest % key_count + 1]
  local learner = tenant.learners[math.floor(rest / key_count) % #tenant.learners + 1]
  return wrk.format("POST", "/api/v1/courses/" .. key .. "/enrollments", {
    Host = tenant.host,
    Authorization = "Bearer " .. tenant.token,
    ["Content-Type"] = "application/json",
  }, '{"user_id":' .. learner .. ',"mode":"audit"}')
end

function request()
  if mode == "enroll" then
    local number = next_number
    next_number = number + thread_count
    next_pair = next_number
    return enroll(number)
  end
  -- Round after round of the tenants; the course, or the client address,
  -- moves on with each round.
  local round = math.floor(sent / #tenants)
  local t = (first_tenant + sent) % #tenants + 1
  sent = sent + 1
  if mode == "course" then
    return get(tenants[t], "/api/v1/courses/" .. course_keys[round % #course_keys + 1], true)
  elseif mode == "token" then
    return token(tenants[t], thread_index + thread_count * sent)
  end
  return fixed[t]
end

-- Latency and duration from wrk are in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    e.status,
    e.connect + e.read + e.write + e.timeout))
  local next_free = nil
  for _, thread in ipairs(threads) do
    local pair = thread:get("next_pair")
    if pair and (next_free == nil or pair > next_free) then
      next_free = pair
    end
  end
  if next_free then
    io.write(string.format("NEXT_PAIR %d\n", next_free))
  end
  for index, thread in ipairs(threads) do
    local counts, first = thread:get("failure_counts"), thread:get("first_failure")
    if counts then
      io.write(string.format("FAILURES thread %d: %s; first: %s\n", index, counts, first))
    end
  end
end
