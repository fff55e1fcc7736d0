-- The Computer Language Benchmarks Game: fasta (the plain C program's
-- algorithm): three DNA sequences in FASTA format, 60 characters a line.
-- ">ONE" repeats the ALU sequence for 2n characters; ">TWO" and ">THREE"
-- pick 3n and 5n characters at random from the IUB and Homo sapiens
-- alphabets with the linear congruential generator (IM 139968, IA 3877,
-- IC 29573, seed 42) and cumulative probabilities. Size from arg[1], default
-- 1000. Runs under Lua 5.4 and LuaJIT.
local write, sub, byte, char = io.write, string.sub, string.byte, string.char
local unpack = table.unpack or unpack

local IM, IA, IC = 139968, 3877, 29573
local LINE_LENGTH = 60

local last = 42
local function gen_random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

-- The alphabet as parallel arrays of symbol bytes and cumulative
-- probabilities.
local function make_cumulative(genelist)
  local cs, ps, cp = {}, {}, 0.0
  for i = 1, #genelist do
    cp = cp + genelist[i][2]
    cs[i], ps[i] = byte(genelist[i][1]), cp
  end
  return cs, ps
end

local function make_random_fasta(id, desc, genelist, n)
  local cs, ps = make_cumulative(genelist)
  local count = #cs
  local line = {}
  write(">", id, " ", desc, "\n")
  local todo = n
  while todo > 0 do
    local m = todo < LINE_LENGTH and todo or LINE_LENGTH
    for i = 1, m do
      local r = gen_random(1)
      local k = count
      for j = 1, count - 1 do
        if r < ps[j] then k = j; break end
      end
      line[i] = cs[k]
    end
    line[m + 1] = 10
    write(char(unpack(line, 1, m + 1)))
    todo = todo - LINE_LENGTH
  end
end

local function make_repeat_fasta(id, desc, s, n)
  local kn, k = #s, 0
  write(">", id, " ", desc, "\n")
  local todo = n
  while todo > 0 do
    local m = todo < LINE_LENGTH and todo or LINE_LENGTH
    while m >= kn - k do
      write(sub(s, k + 1))
      m = m - (kn - k)
      k = 0
    end
    write(sub(s, k + 1, k + m), "\n")
    k = k + m
    todo = todo - LINE_LENGTH
  end
end

local iub = {
  { "a", 0.27 }, { "c", 0.12 }, { "g", 0.12 }, { "t", 0.27 }, { "B", 0.02 },
  { "D", 0.02 }, { "H", 0.02 }, { "K", 0.02 }, { "M", 0.02 }, { "N", 0.02 },
  { "R", 0.02 }, { "S", 0.02 }, { "V", 0.02 }, { "W", 0.02 }, { "Y", 0.02 },
}

local homosapiens = {
  { "a", 0.3029549426680 },
  { "c", 0.1979883004921 },
  { "g", 0.1975473066391 },
  { "t", 0.3015094502008 },
}

local alu =
  "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" ..
  "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" ..
  "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" ..
  "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" ..
  "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" ..
  "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" ..
  "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

local n = tonumber(arg and arg[1]) or 1000
make_repeat_fasta("ONE", "Homo sapiens alu", alu, n * 2)
make_random_fasta("TWO", "IUB ambiguity codes", iub, n * 3)
make_random_fasta("THREE", "Homo sapiens frequency", homosapiens, n * 5)
