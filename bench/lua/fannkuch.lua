-- The Computer Language Benchmarks Game: fannkuch-redux (the plain C
-- program's algorithm). Size from arg[1], default 7. Arrays are indexed from
-- 0 like the C program's. Runs under Lua 5.4 and LuaJIT (no bit operators,
-- no math.tointeger).

local function fannkuchredux(n)
  local perm, perm1, count = {}, {}, {}
  local max_flips, perm_count, checksum = 0, 0, 0
  for i = 0, n - 1 do perm1[i] = i end
  local r = n
  while true do
    while r ~= 1 do
      count[r - 1] = r
      r = r - 1
    end
    for i = 0, n - 1 do perm[i] = perm1[i] end
    local flips = 0
    local k = perm[0]
    while k ~= 0 do
      -- The C program's i < (k + 1) >> 1, i.e. i <= (k - 1) / 2 (with
      -- integer start and step, 5.4 floors a float limit).
      for i = 0, (k - 1) / 2 do
        perm[i], perm[k - i] = perm[k - i], perm[i]
      end
      flips = flips + 1
      k = perm[0]
    end
    if flips > max_flips then max_flips = flips end
    if perm_count % 2 == 0 then checksum = checksum + flips else checksum = checksum - flips end
    -- The next permutation, by incremental rotation.
    while true do
      if r == n then
        io.write(checksum, "\n")
        return max_flips
      end
      local perm0 = perm1[0]
      for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
      perm1[r] = perm0
      count[r] = count[r] - 1
      if count[r] > 0 then break end
      r = r + 1
    end
    perm_count = perm_count + 1
  end
end

local n = tonumber(arg and arg[1]) or 7
local m = fannkuchredux(n)
io.write("Pfannkuchen(", n, ") = ", m, "\n")
