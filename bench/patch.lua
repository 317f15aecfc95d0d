-- wrk script: PATCH replace (title) on existing users, rotating over a list of ids.
-- Usage: wrk -s bench/patch.lua -H 'Authorization: Bearer T' http://HOST/scim/v2/Users -- IDS_FILE
-- IDS_FILE holds one user id per line.
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  ids = {}
  for line in io.lines(args[1]) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  if #ids == 0 then error("no ids in " .. tostring(args[1])) end
  base = wrk.path
  counter = tid
  wrk.method = "PATCH"
  wrk.headers["Content-Type"] = "application/scim+json"
end

function request()
  counter = counter + 1
  local id = ids[(counter % #ids) + 1]
  wrk.body = '{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],' ..
    '"Operations":[{"op":"replace","path":"title","value":"Title ' .. counter .. '"}]}'
  return wrk.format(nil, base .. "/" .. id)
end
