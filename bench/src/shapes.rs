//! Generated programs of the shapes that push compilers past linear time —
//! one huge function of straight-line arithmetic, one huge function of
//! if-then branches, one huge function of big `br_table`s, and a module of
//! many small functions — each as `.jasm` and as the equivalent C, so
//! `make bench` can put `janusc build` and `gcc -O2` side by side on the
//! same work (issue 13). Every value the code computes depends on the
//! program's argument count, so no compiler can fold it away; the program's
//! exit status is the result's low byte, the same under both.

use std::fmt::Write;

/// The shape of a generated program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// One function: integer arithmetic over 16 registers, no branches.
    StraightLine,
    /// One function: a compare, a conditional skip and two operations,
    /// repeated (`if (a < b) { d += a; a ^= b; }` in C).
    Branchy,
    /// One function: `br_table`s of up to 65,536 targets on a run-time
    /// index, each target a different operation and a jump to the join.
    BrTable,
    /// A binary tree of small functions, each calling its two children.
    ManyFunctions,
}

/// Every shape, in the order the benchmark reports them.
pub const SHAPES: [Shape; 4] = [
    Shape::StraightLine,
    Shape::Branchy,
    Shape::BrTable,
    Shape::ManyFunctions,
];

/// The registers the straight-line and branchy shapes compute in.
const REGISTERS: usize = 16;

/// Targets of one `br_table`: the format's limit (`MAX_BR_TABLE`).
const MAX_TARGETS: usize = 65_536;

/// Instructions of one function in [`Shape::ManyFunctions`].
const PER_FUNCTION: usize = 12;

/// The four integer operations the generated code uses, as (jasm, C).
const OPERATIONS: [(&str, &str); 4] = [("add", "+"), ("sub", "-"), ("mul", "*"), ("xor", "^")];

impl Shape {
    /// The shape's name in reports and file names.
    pub fn name(self) -> &'static str {
        match self {
            Shape::StraightLine => "straight-line",
            Shape::Branchy => "branchy",
            Shape::BrTable => "br_table",
            Shape::ManyFunctions => "many-functions",
        }
    }

    /// The shape named `name`.
    pub fn from_name(name: &str) -> Option<Shape> {
        SHAPES.into_iter().find(|s| s.name() == name)
    }

    /// A program of this shape with about `instructions` bytecode
    /// instructions, as (`.jasm` text, C text).
    pub fn program(self, instructions: usize) -> (String, String) {
        match self {
            Shape::StraightLine => straight_line(instructions),
            Shape::Branchy => branchy(instructions),
            Shape::BrTable => br_table(instructions),
            Shape::ManyFunctions => many_functions(instructions),
        }
    }
}

/// splitmix64, so a size always gives the same program.
pub struct Rng(pub u64);

impl Rng {
    /// The next number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % n as u64) as usize
    }
}

/// `main`'s start in both languages: r0..r15 (C: `r[0..16]`) seeded from
/// the argument count, r16 a scratch register.
fn prologue(jasm: &mut String, c: &mut String) {
    jasm.push_str("export main\n\nfunc main() -> i32\n");
    let _ = writeln!(jasm, "    reg r0..r{}: i32", REGISTERS + 1);
    jasm.push_str("    dev args.count, [r0], []\n");
    let _ = writeln!(jasm, "    i32.const r{}, 1", REGISTERS);
    for k in 1..REGISTERS {
        let _ = writeln!(jasm, "    i32.add r{k}, r{}, r{}", k - 1, REGISTERS);
    }
    c.push_str("int main(int argc, char **argv) {\n    (void)argv;\n");
    let _ = write!(c, "    unsigned r0 = (unsigned)argc - 1");
    for k in 1..REGISTERS {
        let _ = write!(c, ", r{k} = r{} + 1", k - 1);
    }
    c.push_str(";\n");
}

/// `main`'s end: every register folded into r0, returned.
fn epilogue(jasm: &mut String, c: &mut String) {
    for k in 1..REGISTERS {
        let _ = writeln!(jasm, "    i32.xor r0, r0, r{k}");
        let _ = writeln!(c, "    r0 ^= r{k};");
    }
    jasm.push_str("    ret [r0]\nend\n");
    c.push_str("    return (int)(r0 & 255);\n}\n");
}

fn straight_line(instructions: usize) -> (String, String) {
    let (mut jasm, mut c) = (String::new(), String::new());
    prologue(&mut jasm, &mut c);
    let mut rng = Rng(1);
    for _ in 0..instructions {
        let (d, a) = (rng.below(REGISTERS), rng.below(REGISTERS));
        // Never `x - x` or `x ^ x`: constants a compiler would fold.
        let b = (a + 1 + rng.below(REGISTERS - 1)) % REGISTERS;
        let (op, sym) = OPERATIONS[rng.below(OPERATIONS.len())];
        let _ = writeln!(jasm, "    i32.{op} r{d}, r{a}, r{b}");
        let _ = writeln!(c, "    r{d} = r{a} {sym} r{b};");
    }
    epilogue(&mut jasm, &mut c);
    (jasm, c)
}

fn branchy(instructions: usize) -> (String, String) {
    let (mut jasm, mut c) = (String::new(), String::new());
    prologue(&mut jasm, &mut c);
    let mut rng = Rng(2);
    let flag = REGISTERS + 1;
    for k in 0..instructions / 4 {
        let (a, b, d) = (
            rng.below(REGISTERS),
            rng.below(REGISTERS),
            rng.below(REGISTERS),
        );
        let (op, sym) = OPERATIONS[rng.below(OPERATIONS.len())];
        let _ = writeln!(jasm, "    i32.lt_s r{flag}, r{a}, r{b}");
        let _ = writeln!(jasm, "    br_ifz r{flag}, skip{k}");
        let _ = writeln!(jasm, "    i32.{op} r{d}, r{d}, r{a}");
        let _ = writeln!(jasm, "    i32.xor r{a}, r{a}, r{b}");
        let _ = writeln!(jasm, "skip{k}:");
        let _ = writeln!(
            c,
            "    if ((int)r{a} < (int)r{b}) {{ r{d} = r{d} {sym} r{a}; r{a} ^= r{b}; }}"
        );
    }
    epilogue(&mut jasm, &mut c);
    (jasm, c)
}

fn br_table(instructions: usize) -> (String, String) {
    let (mut jasm, mut c) = (String::new(), String::new());
    prologue(&mut jasm, &mut c);
    let mut rng = Rng(3);
    let scratch = REGISTERS;
    let mut left = instructions / 4;
    let mut table = 0;
    while left > 0 {
        let targets = left.min(MAX_TARGETS);
        left -= targets;
        let index = table % REGISTERS;
        let labels: Vec<String> = (0..targets).map(|k| format!("t{table}_{k}")).collect();
        let _ = writeln!(
            jasm,
            "    br_table r{index}, join{table}, [{}]",
            labels.join(", ")
        );
        let _ = writeln!(c, "    switch (r{index}) {{");
        for (k, label) in labels.iter().enumerate() {
            let d = rng.below(REGISTERS);
            let (op, sym) = OPERATIONS[rng.below(OPERATIONS.len())];
            let constant = rng.below(1 << 20) + 1;
            let _ = writeln!(jasm, "{label}:");
            let _ = writeln!(jasm, "    i32.const r{scratch}, {constant}");
            let _ = writeln!(jasm, "    i32.{op} r{d}, r{d}, r{scratch}");
            let _ = writeln!(jasm, "    jmp join{table}");
            let _ = writeln!(c, "    case {k}: r{d} = r{d} {sym} {constant}u; break;");
        }
        let _ = writeln!(jasm, "join{table}:");
        c.push_str("    }\n");
        table += 1;
    }
    epilogue(&mut jasm, &mut c);
    (jasm, c)
}

fn many_functions(instructions: usize) -> (String, String) {
    let count = (instructions / PER_FUNCTION).max(1);
    let (mut jasm, mut c) = (String::new(), String::new());
    jasm.push_str("export main\n\n");
    for k in 0..count {
        let _ = writeln!(c, "unsigned f{k}(unsigned x);");
    }
    let mut rng = Rng(4);
    // f_k(x): mixes x with two constants and, where the children exist,
    // adds f_{2k+1}(x) and f_{2k+2}(x ^ k): a call tree of depth log2(count).
    for k in 0..count {
        let (m, a) = (rng.below(1 << 20) * 2 + 1, rng.below(1 << 20));
        let _ = writeln!(jasm, "func f{k}(r0: i32) -> i32\n    reg r1..r3: i32");
        let _ = writeln!(jasm, "    i32.const r1, {m}\n    i32.mul r0, r0, r1");
        let _ = writeln!(jasm, "    i32.const r1, {a}\n    i32.add r0, r0, r1");
        let _ = write!(
            c,
            "unsigned f{k}(unsigned x) {{\n    x = x * {m}u + {a}u;\n"
        );
        for (child, salt) in [(2 * k + 1, 0), (2 * k + 2, k)] {
            if child < count {
                let _ = writeln!(jasm, "    i32.const r1, {salt}\n    i32.xor r2, r0, r1");
                let _ = writeln!(
                    jasm,
                    "    call f{child}, [r3], [r2]\n    i32.add r0, r0, r3"
                );
                let _ = writeln!(c, "    x += f{child}(x ^ {salt}u);");
            }
        }
        jasm.push_str("    ret [r0]\nend\n");
        c.push_str("    return x;\n}\n");
    }
    jasm.push_str("func main() -> i32\n    reg r0: i32\n    dev args.count, [r0], []\n");
    jasm.push_str("    call f0, [r0], [r0]\n    ret [r0]\nend\n");
    c.push_str("int main(int argc, char **argv) {\n    (void)argv;\n");
    c.push_str("    return (int)(f0((unsigned)argc - 1) & 255);\n}\n");
    (jasm, c)
}
