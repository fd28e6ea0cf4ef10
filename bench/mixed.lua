-- wrk script for bench/load.py: request paths picked at random from a file (one a
-- line) and count the responses by status and by X-Cache.
--
--   wrk -t2 -c64 -d60s -s bench/mixed.lua http://127.0.0.1:PORT -- urls.txt

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  statuses = {}
  caching = {}
  -- Each thread its own sequence; the same one on every run.
  math.randomseed(id * 7919)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  local cache = headers["X-Cache"] or "none"
  caching[cache] = (caching[cache] or 0) + 1
end

function done(summary, latency, requests)
  local status_total, cache_total = {}, {}
  for _, thread in ipairs(threads) do
    for code, n in pairs(thread:get("statuses")) do
      status_total[code] = (status_total[code] or 0) + n
    end
    for kind, n in pairs(thread:get("caching")) do
      cache_total[kind] = (cache_total[kind] or 0) + n
    end
  end
  for code, n in pairs(status_total) do
    io.write(string.format("status %d %d\n", code, n))
  end
  for kind, n in pairs(cache_total) do
    io.write(string.format("x-cache %s %d\n", kind, n))
  end
end
