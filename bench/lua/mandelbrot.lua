-- The Computer Language Benchmarks Game: mandelbrot (the plain C program's
-- algorithm): a binary PBM of the Mandelbrot set. Size from arg[1], default
-- 200. Runs under Lua 5.4 and LuaJIT: the bits are shifted in by doubling
-- (byte_acc stays below 256), not with 5.4's bit operators.
local char, concat = string.char, table.concat

local n = tonumber(arg and arg[1]) or 200
local w, h = n, n
-- The last byte of a row whose width is not a multiple of 8 is padded on the
-- right: byte_acc << (8 - w % 8).
local pad = 1
for _ = 1, 8 - w % 8 do pad = pad * 2 end
local iter, limit = 50, 2.0
local limit2 = limit * limit
io.write("P4\n", w, " ", h, "\n")
for y = 0, h - 1 do
  local Ci = 2.0 * y / h - 1.0
  local row, bit_num, byte_acc = {}, 0, 0
  for x = 0, w - 1 do
    local Zr, Zi, Tr, Ti = 0.0, 0.0, 0.0, 0.0
    local Cr = 2.0 * x / w - 1.5
    local i = 0
    while i < iter and Tr + Ti <= limit2 do
      Zi = 2.0 * Zr * Zi + Ci
      Zr = Tr - Ti + Cr
      Tr = Zr * Zr
      Ti = Zi * Zi
      i = i + 1
    end
    byte_acc = byte_acc * 2
    if Tr + Ti <= limit2 then byte_acc = byte_acc + 1 end
    bit_num = bit_num + 1
    if bit_num == 8 then
      row[#row + 1] = char(byte_acc)
      byte_acc, bit_num = 0, 0
    elseif x == w - 1 then
      row[#row + 1] = char(byte_acc * pad)
      byte_acc, bit_num = 0, 0
    end
  end
  io.write(concat(row))
end
