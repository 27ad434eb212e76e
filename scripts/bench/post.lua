-- wrk script: POSTs JSON bodies read from $BODY_FILE, one per line, in turn (one name per
-- line: distinct names defeat coalescing); an empty body when BODY_FILE is unset.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local bodies = {}
local path = os.getenv("BODY_FILE")
if path and path ~= "" then
  for line in io.lines(path) do
    if line ~= "" then bodies[#bodies + 1] = line end
  end
end
local n = 0
request = function()
  if #bodies == 0 then return wrk.format() end
  n = n + 1
  return wrk.format(nil, nil, nil, bodies[(n % #bodies) + 1])
end
