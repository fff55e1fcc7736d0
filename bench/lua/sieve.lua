-- The sieve of Eratosthenes (samples/sieve.jasm's algorithm): prints the
-- number of primes below N, the first ten, the five largest and their sum.
-- N from arg[1], default 100000. flags[k] for k = 0 .. N - 1 like the C
-- program's bytes: false = prime (so far), true = composite. Runs under Lua
-- 5.4 and LuaJIT; LuaJIT's numbers are doubles, so its sum is exact only up
-- to 2^53 (N up to about 4e8).
local write, format = io.write, string.format

local n = tonumber(arg and arg[1]) or 100000
local flags = {}
for k = 0, n - 1 do flags[k] = false end
flags[0], flags[1] = true, true

local i = 2
while i * i < n do
  if not flags[i] then
    for j = i * i, n - 1, i do flags[j] = true end
  end
  i = i + 1
end

local count, sum = 0, 0
for k = 0, n - 1 do
  if not flags[k] then
    count = count + 1
    sum = sum + k
  end
end

write(format("primes below %d: %d\n", n, count))
write("first ten:")
local found, k = 0, 0
while k < n and found < 10 do
  if not flags[k] then
    write(format(" %d", k))
    found = found + 1
  end
  k = k + 1
end
write("\nlargest five:")
found, k = 0, n
while k > 0 and found < 5 do
  k = k - 1
  if not flags[k] then
    write(format(" %d", k))
    found = found + 1
  end
end
write(format("\nsum: %d\n", sum))
