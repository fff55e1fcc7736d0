-- The Computer Language Benchmarks Game: spectral-norm (the plain C
-- program's algorithm). Size from arg[1], default 100. Arrays are indexed
-- from 0 like the C program's. Runs under Lua 5.4 and LuaJIT, so without
-- 5.4's integer `//`: the C program's 1.0 / (ij * (ij + 1) / 2 + i + 1) is
-- written 2.0 / (ij * (ij + 1) + 2 * i + 2), the same correctly rounded
-- quotient (the denominator is an exact integer below 2^53), and in 5.4 all
-- integer arithmetic up to the one division.

local function A(i, j)
  local ij = i + j
  return 2.0 / (ij * (ij + 1) + 2 * i + 2)
end

local function a_times_u(n, u, au)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + A(i, j) * u[j] end
    au[i] = sum
  end
end

local function at_times_u(n, u, au)
  for i = 0, n - 1 do
    local sum = 0.0
    for j = 0, n - 1 do sum = sum + A(j, i) * u[j] end
    au[i] = sum
  end
end

local function ata_times_u(n, u, atau, tmp)
  a_times_u(n, u, tmp)
  at_times_u(n, tmp, atau)
end

local n = tonumber(arg and arg[1]) or 100
local u, v, tmp = {}, {}, {}
for i = 0, n - 1 do u[i] = 1.0 end
for _ = 1, 10 do
  ata_times_u(n, u, v, tmp)
  ata_times_u(n, v, u, tmp)
end
local vBv, vv = 0.0, 0.0
for i = 0, n - 1 do
  vBv = vBv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
io.write(string.format("%0.9f\n", math.sqrt(vBv / vv)))
