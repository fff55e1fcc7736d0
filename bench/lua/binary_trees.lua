-- The Computer Language Benchmarks Game: binary-trees (the plain C
-- program's algorithm; a node is a table { left, right }, a leaf an empty
-- table, freed by the garbage collector). Size from arg[1], default 10.
-- Runs under Lua 5.4 and LuaJIT (no integer division or bit operators).

local function bottom_up_tree(depth)
  if depth > 0 then
    depth = depth - 1
    local left = bottom_up_tree(depth)
    local right = bottom_up_tree(depth)
    return { left, right }
  end
  return {}
end

-- The number of nodes.
local function item_check(tree)
  if tree[1] then
    return 1 + item_check(tree[1]) + item_check(tree[2])
  end
  return 1
end

local n = tonumber(arg and arg[1]) or 10
local min_depth = 4
local max_depth = min_depth + 2
if n > max_depth then max_depth = n end
local stretch_depth = max_depth + 1

io.write(string.format("stretch tree of depth %d\t check: %d\n",
  stretch_depth, item_check(bottom_up_tree(stretch_depth))))

local long_lived = bottom_up_tree(max_depth)

for depth = min_depth, max_depth, 2 do
  local iterations = 1
  for _ = 1, max_depth - depth + min_depth do iterations = iterations * 2 end
  local check = 0
  for _ = 1, iterations do
    check = check + item_check(bottom_up_tree(depth))
  end
  io.write(string.format("%d\t trees of depth %d\t check: %d\n",
    iterations, depth, check))
end

io.write(string.format("long lived tree of depth %d\t check: %d\n",
  max_depth, item_check(long_lived)))
