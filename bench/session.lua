-- wrk script: POST /api/v1/sessions, one line of 1 unit from a random
-- well-stocked product, a unique Idempotency-Key per request, bearer token.
-- A per-target wrapper sets `token` and `products` (a list of product ids)
-- and then runs this file:  token = "…"; products = {1,2,3}; dofile("bench/session.lua")
local counter = 0
local threads = {}
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
  seq = 0
  run = string.format("%x%04x", os.time(), math.random(0, 65535))
end
request = function()
  seq = seq + 1
  local p = products[math.random(1, #products)]
  local body = string.format(
    '{"site":"main","client_ref":"C-%d","needle_length_mm":1.5,"indication":"acne_scars","lines":[{"product_id":%d,"quantity":1}]}',
    math.random(1, 100000), p)
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", run, tid or 0, seq),
  }, body)
end
