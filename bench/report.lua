-- wrk `done` hook: prints one machine-readable line after the run.
--
--   RESULT <requests/s> <p50 ms> <p99 ms> <requests> <non-2xx/3xx> <socket errors>
--
-- Latency from wrk is in microseconds; duration too.

done = function(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
    summary.requests / seconds,
    latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.requests,
    e.status,
    e.connect + e.read + e.write + e.timeout))
end
