-- Lua for the NVCF intermediary proxy: only what HAProxy's converters
-- cannot do. JWT signature, exp and nbf are checked in haproxy.cfg with
-- jwt_verify / jwt_payload_query.

local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end

local function split_protocols(value)
  local out = {}
  for tok in value:gmatch("[^,]+") do
    tok = trim(tok)
    if tok ~= "" then out[#out + 1] = tok end
  end
  return out
end

-- Splits "key.value" at the first dot; key compared case-insensitively.
local function proto_kv(tok)
  local dot = tok:find(".", 1, true)
  if not dot then return nil, nil end
  return tok:sub(1, dot - 1):lower(), tok:sub(dot + 1)
end

-- http-request lua.nvcf_prepare
-- Finds the user's token (Authorization: Bearer, ?token=, subprotocol
-- authorization.<token>), removes it from everything forwarded, and reads
-- function-id./function-version-id. subprotocol tokens.
core.register_action("nvcf_prepare", { "http-req" }, function(txn)
  local http = txn.http
  local hdrs = http:req_get_headers()
  local token, source

  local auth = hdrs["authorization"]
  if auth and auth[0] then
    local t = auth[0]:match("^%s*[Bb][Ee][Aa][Rr][Ee][Rr]%s+(%S+)%s*$")
    if t then token, source = t, "header" end
  end
  http:req_del_header("Authorization")

  -- Query string: drop every token= parameter, keep the rest in order.
  local path = txn.sf:path() or "/"
  local query = txn.sf:query()
  if query and query ~= "" then
    local kept, found = {}, nil
    for param in query:gmatch("[^&]+") do
      local k, v = param:match("^([^=]*)=?(.*)$")
      if k == "token" then
        found = v
      else
        kept[#kept + 1] = param
      end
    end
    if found ~= nil then
      if not token and found ~= "" then token, source = found, "query" end
      local uri = path
      if #kept > 0 then uri = uri .. "?" .. table.concat(kept, "&") end
      http:req_set_uri(uri)
    end
  end

  -- Sec-WebSocket-Protocol: possibly several header lines.
  local protos = {}
  local sp = hdrs["sec-websocket-protocol"]
  if sp then
    local i = 0
    while sp[i] do
      for _, tok in ipairs(split_protocols(sp[i])) do protos[#protos + 1] = tok end
      i = i + 1
    end
  end
  if #protos > 0 then
    local kept, echo, auth_tok = {}, nil, nil
    for _, tok in ipairs(protos) do
      local k, v = proto_kv(tok)
      if k == "authorization" then
        local t = v:match("^[Bb][Ee][Aa][Rr][Ee][Rr]%s*(.+)$") or v
        if not token and t ~= "" then token, source = t, "subprotocol" end
        auth_tok = auth_tok or tok
      else
        if k == "function-id" and v ~= "" then txn:set_var("txn.proto_fnid", v) end
        if k == "function-version-id" and v ~= "" then txn:set_var("txn.proto_fnver", v) end
        kept[#kept + 1] = tok
        echo = echo or tok
      end
    end
    http:req_del_header("Sec-WebSocket-Protocol")
    if #kept > 0 then
      http:req_set_header("Sec-WebSocket-Protocol", table.concat(kept, ", "))
    end
    -- If the upstream selects none, the browser still needs one of its
    -- offers echoed or it fails the handshake.
    txn:set_var("txn.proto_echo", echo or auth_tok)
  end

  if token then
    txn:set_var("txn.token", token)
    txn:set_var("txn.token_src", source)
  end
end)

local function in_list(list, id)
  for item in list:gmatch("[^,%s]+") do
    if item == "*" or item == id then return true end
  end
  return false
end

-- lua.nvcf_allowed(): 1 when the (already verified) token's payload or the
-- allow-list lets the user use txn.fnid.
core.register_fetches("nvcf_allowed", function(txn)
  local id = txn:get_var("txn.fnid")
  if not id or id == "" then return 0 end
  local allow = os.getenv("PROXY_ALLOWED_FUNCTIONS") or ""
  if in_list(allow, id) then return 1 end
  local payload = txn:get_var("txn.jwt_payload") or ""
  local one = payload:match('"function_id"%s*:%s*"([^"]*)"')
  if one == id then return 1 end
  local arr = payload:match('"functions"%s*:%s*%[([^%]]*)%]')
  if arr then
    for f in arr:gmatch('"([^"]*)"') do
      if f == id or f == "*" then return 1 end
    end
  end
  return 0
end)

-- http-response lua.nvcf_cookie
-- Re-scopes the gateway's nvcf-request-id cookie to this proxy's origin:
-- drops Domain, Path, SameSite and Secure, then adds Path=/ and the
-- attributes chosen at start (PROXY_COOKIE_ATTRS). Max-Age/Expires stay, so
-- a cleared cookie stays cleared.
core.register_action("nvcf_cookie", { "http-res" }, function(txn)
  local http = txn.http
  local hdrs = http:res_get_headers()
  local sc = hdrs["set-cookie"]
  if not sc then return end
  local values, changed = {}, false
  local i = 0
  while sc[i] do
    local v = sc[i]
    if v:match("^%s*nvcf%-request%-id=") then
      local parts = {}
      for part in v:gmatch("[^;]+") do
        local p = trim(part)
        local name = (p:match("^([^=]*)") or ""):lower()
        if #parts == 0 or not (name == "domain" or name == "path" or name == "samesite" or name == "secure") then
          parts[#parts + 1] = p
        end
      end
      parts[#parts + 1] = "Path=/"
      local extra = os.getenv("PROXY_COOKIE_ATTRS") or "SameSite=Lax"
      if extra ~= "" then parts[#parts + 1] = extra end
      v = table.concat(parts, "; ")
      changed = true
    end
    values[#values + 1] = v
    i = i + 1
  end
  if changed then
    http:res_del_header("Set-Cookie")
    for _, v in ipairs(values) do http:res_add_header("Set-Cookie", v) end
  end
end)
