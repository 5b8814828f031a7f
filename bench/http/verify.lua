-- wrk script for the HTTP verification benchmark (bench/http/run.sh, docs/benchmarks.md):
-- POST /v1/keys/verify with {"key": "<secret>"}, cycling over the secrets of a file written by
-- latchkey_seed --secrets-out (one "<secret> <namespace id>" per line).
--
--   wrk -s verify.lua URL -- SECRETS_FILE [namespace]
--
-- With "namespace" as the second argument the body also names the key's namespace
-- ({"key": ..., "namespace": ...}), which adds the namespace check. All requests are formatted
-- once in init(), so wrk's per-request work is the same against any server.

local requests = {}
local next_request = 1

function init(args)
  local path = args[1]
  if path == nil then
    error("usage: wrk -s verify.lua URL -- SECRETS_FILE [namespace]")
  end
  local with_namespace = args[2] == "namespace"
  local file = assert(io.open(path, "r"))
  local headers = { ["Content-Type"] = "application/json" }
  for line in file:lines() do
    local secret, namespace = line:match("^(%S+)%s*(%S*)$")
    if secret then
      local body = '{"key":"' .. secret .. '"'
      if with_namespace and namespace ~= "" then
        body = body .. ',"namespace":"' .. namespace .. '"'
      end
      body = body .. '}'
      requests[#requests + 1] = wrk.format("POST", "/v1/keys/verify", headers, body)
    end
  end
  file:close()
  if #requests == 0 then
    error("no secrets in " .. path)
  end
end

function request()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end
