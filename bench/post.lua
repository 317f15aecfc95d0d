-- wrk script: POST /Users with a userName no other request (thread, run) uses.
-- Usage: wrk -s bench/post.lua -H 'Authorization: Bearer T' http://HOST/scim/v2/Users
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  prefix = string.format("bench-%d-%d-", os.time(), tid)
  counter = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/scim+json"
end

function request()
  counter = counter + 1
  local name = prefix .. counter .. "@example.test"
  wrk.body = '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],' ..
    '"userName":"' .. name .. '","name":{"givenName":"Bench","familyName":"User ' .. counter .. '"},' ..
    '"emails":[{"value":"' .. name .. '","type":"work","primary":true}],"active":true}'
  return wrk.format()
end
