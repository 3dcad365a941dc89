//! Stable fuzzing driver: no nightly, no libFuzzer, no coverage instrumentation.
//!
//! For a bounded time per target it takes the seed corpus (`fuzz/corpus/<target>/`),
//! applies random mutations (bit flips, byte and range inserts/deletes/duplicates,
//! splices with other inputs, line duplicates/deletes/swaps, numbers replaced by NaN,
//! -1, 1e30, 0, integer extremes…, binary integer overwrites, truncation, dictionary
//! tokens) and calls the same target bodies as the libFuzzer targets
//! (`oxyfield_fuzz::TARGETS`). Inputs whose outcome (the error message with digits
//! blanked) is new are added to the in-memory corpus, a cheap stand-in for coverage.
//!
//! What counts as a finding, each saved under `fuzz/artifacts/<target>/`:
//! - `panic-<sig>`: a panic, caught with `catch_unwind` (fuzzing goes on); the smallest
//!   input per panic site is kept;
//! - `oom-<sig>`: one allocation, or the live heap, above `--malloc-limit-mb` (default
//!   1024): the driver's global allocator stops the process and prints a backtrace;
//! - `hang-<sig>`: one input running longer than `--timeout` seconds (default 10); with
//!   gdb installed, `hang-<sig>.txt` holds the stuck stack;
//! - `abort-<sig>`: any other death (stack overflow, failed allocation).
//!
//! `<sig>` hashes the site (panic location, or the oxyfield frame of an oom or hang),
//! so each site keeps one file, its smallest input; `<kind>-<sig>.txt` holds the report.
//!
//! Each target runs in a child process, restarted after an oom/hang/abort until its time
//! is up. Exit status 1 when anything was found.
//!
//! ```text
//! mutate [--secs N] [--timeout S] [--malloc-limit-mb M] [--seed X] [TARGET…]
//! mutate --list
//! mutate --repro TARGET FILE…      # run inputs once, panics not caught
//! mutate --minimize TARGET FILE    # shrink a panicking input (same panic site)
//! ```

use oxyfield_fuzz::{Target, TARGETS};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::{HashMap, HashSet};
use std::ffi::CString;
use std::io::{BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicU64, AtomicUsize, Ordering::*};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

// ---------------------------------------------------------------- allocation guard

/// Bytes; usize::MAX until the child sets it.
static ALLOC_LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static REPORTING: AtomicBool = AtomicBool::new(false);

struct Guard;

#[global_allocator]
static GLOBAL: Guard = Guard;

impl Guard {
    #[inline]
    fn check(size: usize) {
        let limit = ALLOC_LIMIT.load(Relaxed);
        if (size > limit || LIVE.load(Relaxed).saturating_add(size) > limit)
            && !REPORTING.swap(true, SeqCst)
        {
            over_allocation(size);
        }
    }
}

unsafe impl GlobalAlloc for Guard {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        Self::check(l.size());
        let p = System.alloc(l);
        if !p.is_null() {
            LIVE.fetch_add(l.size(), Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        Self::check(l.size());
        let p = System.alloc_zeroed(l);
        if !p.is_null() {
            LIVE.fetch_add(l.size(), Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size(), Relaxed);
        System.dealloc(p, l)
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        if new > l.size() {
            Self::check(new - l.size());
            if new > ALLOC_LIMIT.load(Relaxed) && !REPORTING.swap(true, SeqCst) {
                over_allocation(new);
            }
        }
        let q = System.realloc(p, l, new);
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Relaxed);
            LIVE.fetch_add(new, Relaxed);
        }
        q
    }
}

/// Reports an allocation over the limit, saves the input and stops the process.
fn over_allocation(size: usize) -> ! {
    let live = LIVE.load(Relaxed);
    let bt = std::backtrace::Backtrace::force_capture();
    eprintln!(
        "OXYFUZZ-OOM a request of {size} bytes with {live} bytes live (limit {} bytes)\n{}",
        ALLOC_LIMIT.load(Relaxed),
        culprit(&bt.to_string())
    );
    eprintln!("{bt}");
    save_current();
    report_execs();
    unsafe { libc::_exit(72) }
}

// ---------------------------------------------------------------- the current input

static CUR_PTR: AtomicPtr<u8> = AtomicPtr::new(std::ptr::null_mut());
static CUR_LEN: AtomicUsize = AtomicUsize::new(0);
/// Milliseconds since the epoch when the current input started; 0 when idle.
static EXEC_START: AtomicU64 = AtomicU64::new(0);
/// Inputs run so far by this child and when it started (ms), for the parent's tally
/// when the child dies.
static EXECS: AtomicU64 = AtomicU64::new(0);
static CHILD_START: AtomicU64 = AtomicU64::new(0);

fn report_execs() {
    let secs = now_ms().saturating_sub(CHILD_START.load(Relaxed)) as f64 / 1000.0;
    eprintln!("OXYFUZZ-EXECS execs={} secs={secs:.1}", EXECS.load(Relaxed));
}

/// `artifacts/<target>/crash-current`, where a dying child leaves its input.
static CRASH_PATH: OnceLock<CString> = OnceLock::new();

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Writes the current input to CRASH_PATH with async-signal-safe calls only.
fn save_current() {
    let Some(path) = CRASH_PATH.get() else { return };
    let (p, n) = (CUR_PTR.load(SeqCst), CUR_LEN.load(SeqCst));
    unsafe {
        let fd = libc::open(
            path.as_ptr(),
            libc::O_WRONLY | libc::O_CREAT | libc::O_TRUNC,
            0o644,
        );
        if fd < 0 {
            return;
        }
        if !p.is_null() {
            let mut off = 0;
            while off < n {
                let w = libc::write(fd, p.add(off) as *const libc::c_void, n - off);
                if w <= 0 {
                    break;
                }
                off += w as usize;
            }
        }
        libc::close(fd);
    }
}

extern "C" fn on_abort(_: libc::c_int) {
    save_current();
    unsafe {
        libc::signal(libc::SIGABRT, libc::SIG_DFL);
        libc::raise(libc::SIGABRT);
    }
}

// ---------------------------------------------------------------- panics

/// (location, message, backtrace culprit) of the last panic.
static LAST_PANIC: Mutex<Option<(String, String, String)>> = Mutex::new(None);

/// A source location with the repository's root dropped (`src/…` for oxyfield's own).
fn norm(loc: &str) -> String {
    let fuzz = env!("CARGO_MANIFEST_DIR");
    let root = Path::new(fuzz)
        .parent()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    for prefix in [format!("{fuzz}/../"), format!("{root}/")] {
        if let Some(rest) = loc.strip_prefix(&prefix) {
            return rest.to_string();
        }
    }
    loc.to_string()
}

/// The first frame of a backtrace in oxyfield's own sources (not std, not this driver).
fn culprit(bt: &str) -> String {
    let lines: Vec<&str> = bt.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let l = l.trim();
        if let Some(at) = l.strip_prefix("at ") {
            let loc = norm(at);
            if loc.starts_with("src/") {
                let func = lines.get(i.wrapping_sub(1)).map(|f| f.trim()).unwrap_or("");
                let func = func.split_once(": ").map_or(func, |(_, f)| f);
                return format!("{loc} ({func})");
            }
        }
    }
    String::new()
}

fn install_panic_hook(verbose: bool) {
    std::panic::set_hook(Box::new(move |info| {
        let loc = info
            .location()
            .map(|l| norm(&format!("{}:{}:{}", l.file(), l.line(), l.column())))
            .unwrap_or_default();
        let msg = if let Some(s) = info.payload().downcast_ref::<&str>() {
            s.to_string()
        } else if let Some(s) = info.payload().downcast_ref::<String>() {
            s.clone()
        } else {
            "(non-string payload)".into()
        };
        // A panic outside oxyfield's sources (std's capacity overflow, a dependency):
        // the backtrace names the oxyfield frame that called it.
        let culprit_frame = if verbose || !loc.starts_with("src/") {
            let bt = std::backtrace::Backtrace::force_capture().to_string();
            if verbose {
                eprintln!("panic at {loc}: {msg}\n{bt}");
            }
            if loc.starts_with("src/") {
                String::new()
            } else {
                culprit(&bt)
            }
        } else {
            String::new()
        };
        if let Ok(mut p) = LAST_PANIC.lock() {
            *p = Some((loc, msg, culprit_frame));
        }
    }));
}

// ---------------------------------------------------------------- randomness

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
}

// ---------------------------------------------------------------- mutations

const NUMBERS: &[&str] = &[
    "NaN",
    "nan",
    "inf",
    "-inf",
    "-1",
    "0",
    "-0",
    "1",
    "2",
    "0.5",
    "1e30",
    "-1e30",
    "1e308",
    "1e309",
    "1e-320",
    "4294967295",
    "4294967296",
    "2147483647",
    "2147483648",
    "65535",
    "65536",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "9007199254740993",
    "1e9",
    "1e15",
    "100000",
    "0x10",
    "1.0.0",
    "",
];

const BINARY_INTS: &[u64] = &[
    0,
    1,
    2,
    3,
    4,
    8,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0x8000,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_ffff,
    0x1_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000_0000_0000,
    u64::MAX,
    u64::MAX - 1,
    1 << 20,
    1 << 30,
    1 << 40,
];

fn number_spans(d: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut i = 0;
    while i < d.len() {
        if d[i].is_ascii_digit() || (d[i] == b'-' && d.get(i + 1).is_some_and(u8::is_ascii_digit)) {
            let s = i;
            i += 1;
            while i < d.len() && (d[i].is_ascii_digit() || b".eE+-_".contains(&d[i])) {
                i += 1;
            }
            spans.push((s, i));
        } else {
            i += 1;
        }
    }
    spans
}

fn line_spans(d: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut s = 0;
    for (i, &b) in d.iter().enumerate() {
        if b == b'\n' {
            spans.push((s, i + 1));
            s = i + 1;
        }
    }
    if s < d.len() {
        spans.push((s, d.len()));
    }
    spans
}

/// Tokens of the seeds: words, quoted strings, XML names, punctuation.
fn dictionary(seeds: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut set: HashSet<Vec<u8>> = HashSet::new();
    for s in seeds {
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            if c.is_ascii_alphabetic() || c == b'_' {
                let st = i;
                while i < s.len() && (s[i].is_ascii_alphanumeric() || b"_.".contains(&s[i])) {
                    i += 1;
                }
                if i - st <= 40 {
                    set.insert(s[st..i].to_vec());
                }
            } else if c == b'"' || c == b'\'' {
                let st = i;
                i += 1;
                while i < s.len() && s[i] != c && s[i] != b'\n' && i - st < 60 {
                    i += 1;
                }
                if i < s.len() && s[i] == c {
                    set.insert(s[st..=i].to_vec());
                }
                i += 1;
            } else {
                i += 1;
            }
        }
    }
    for p in [
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        "=",
        ",",
        "\"",
        "'",
        "<",
        ">",
        "</",
        "/>",
        "\n",
        "\t",
        " ",
        "#",
        ";",
        "%%",
        "\n%%\n",
        "\\u0000",
        "\\",
        "true",
        "false",
        "\u{1F600}",
        "\0",
    ] {
        set.insert(p.as_bytes().to_vec());
    }
    let mut v: Vec<_> = set.into_iter().collect();
    v.sort();
    v
}

struct Mutator<'a> {
    rng: Rng,
    dict: &'a [Vec<u8>],
    max_len: usize,
}

impl Mutator<'_> {
    fn mutate(&mut self, data: &mut Vec<u8>, other: &[u8]) {
        let n = 1
            + self.rng.below(4)
            + if self.rng.chance(8) {
                self.rng.below(8)
            } else {
                0
            };
        for _ in 0..n {
            self.one(data, other);
        }
        data.truncate(self.max_len);
    }

    fn pos(&mut self, data: &[u8]) -> usize {
        self.rng.below(data.len() + 1)
    }

    fn one(&mut self, d: &mut Vec<u8>, other: &[u8]) {
        let r = &mut self.rng;
        match r.below(15) {
            0 if !d.is_empty() => {
                let i = r.below(d.len());
                d[i] ^= 1 << r.below(8);
            }
            1 if !d.is_empty() => {
                let i = r.below(d.len());
                d[i] = r.next() as u8;
            }
            2 => {
                let i = self.pos(d);
                let k = 1 + self.rng.below(8);
                let bytes: Vec<u8> = (0..k).map(|_| self.rng.next() as u8).collect();
                d.splice(i..i, bytes);
            }
            3 if !d.is_empty() => {
                let i = r.below(d.len());
                let k = 1 + r.below((d.len() - i).min(64));
                d.drain(i..i + k);
            }
            4 if !d.is_empty() => {
                // duplicate a range somewhere
                let i = r.below(d.len());
                let k = 1 + r.below((d.len() - i).min(256));
                let chunk = d[i..i + k].to_vec();
                let at = self.pos(d);
                d.splice(at..at, chunk);
            }
            5 if !other.is_empty() => {
                // splice: our prefix, the other's suffix
                let i = self.pos(d);
                let j = self.rng.below(other.len());
                d.truncate(i);
                d.extend_from_slice(&other[j..]);
            }
            6 => {
                let lines = line_spans(d);
                if lines.is_empty() {
                    return;
                }
                let (s, e) = lines[r.below(lines.len())];
                match r.below(3) {
                    0 => {
                        let copy = d[s..e].to_vec();
                        let times = if r.chance(4) { 1 + r.below(64) } else { 1 };
                        let rep: Vec<u8> = copy
                            .iter()
                            .copied()
                            .cycle()
                            .take(copy.len() * times)
                            .collect();
                        d.splice(s..s, rep);
                    }
                    1 => {
                        d.drain(s..e);
                    }
                    _ => {
                        let (s2, e2) = lines[r.below(lines.len())];
                        if s2 >= e {
                            let b = d[s2..e2].to_vec();
                            let a = d[s..e].to_vec();
                            d.splice(s2..e2, a);
                            d.splice(s..e, b);
                        }
                    }
                }
            }
            7 | 8 => {
                let spans = number_spans(d);
                let v = NUMBERS[r.below(NUMBERS.len())].as_bytes().to_vec();
                if spans.is_empty() {
                    let i = self.pos(d);
                    d.splice(i..i, v);
                } else {
                    let (s, e) = spans[r.below(spans.len())];
                    d.splice(s..e, v);
                }
            }
            9 if !d.is_empty() => {
                let w = [1usize, 2, 4, 8][r.below(4)];
                let v = BINARY_INTS[r.below(BINARY_INTS.len())];
                let bytes = if r.chance(2) {
                    v.to_le_bytes()
                } else {
                    v.to_be_bytes()
                };
                let i = r.below(d.len());
                for k in 0..w.min(d.len() - i) {
                    d[i + k] = if r.chance(2) {
                        bytes[k]
                    } else {
                        bytes[8 - w + k]
                    };
                }
            }
            10 if !d.is_empty() => {
                let i = r.below(d.len());
                let delta = 1 + r.below(35) as u8;
                d[i] = if r.chance(2) {
                    d[i].wrapping_add(delta)
                } else {
                    d[i].wrapping_sub(delta)
                };
            }
            11 if !d.is_empty() => {
                let i = r.below(d.len());
                d.truncate(i);
            }
            12 | 13 if !self.dict.is_empty() => {
                let t = self.dict[self.rng.below(self.dict.len())].clone();
                let i = self.pos(d);
                d.splice(i..i, t);
            }
            14 if !other.is_empty() => {
                let lines = line_spans(other);
                if let Some(&(s, e)) = lines.get(self.rng.below(lines.len())) {
                    let i = self.pos(d);
                    d.splice(i..i, other[s..e].to_vec());
                }
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- paths and helpers

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn artifacts(target: &str) -> PathBuf {
    let d = fuzz_dir().join("artifacts").join(target);
    let _ = std::fs::create_dir_all(&d);
    d
}

fn target(name: &str) -> Target {
    *TARGETS.iter().find(|t| t.0 == name).unwrap_or_else(|| {
        eprintln!(
            "unknown target '{name}'; targets: {}",
            TARGETS.iter().map(|t| t.0).collect::<Vec<_>>().join(", ")
        );
        std::process::exit(2)
    })
}

fn hash(bytes: &[u8]) -> String {
    format!("{:016x}", oxyfield::hash::fnv1a(bytes))
}

fn read_seeds(name: &str) -> Vec<Vec<u8>> {
    let dir = fuzz_dir().join("corpus").join(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    let mut seeds: Vec<Vec<u8>> = files
        .iter()
        .filter(|p| p.is_file())
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    if seeds.is_empty() {
        seeds.push(Vec::new());
    }
    seeds
}

/// The outcome's first line with digits and quoted values blanked (the TOML parser's
/// snippet of the input dropped): a stand-in for the path an input took.
fn class(outcome: &str) -> String {
    let first = outcome.lines().next().unwrap_or("");
    let mut s = String::new();
    let mut quote: Option<char> = None;
    for c in first.chars() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                s.push(c);
            }
            Some(_) => {}
            None => {
                if c == '"' || c == '\'' {
                    quote = Some(c);
                    s.push(c);
                } else if c.is_ascii_digit() {
                    if !s.ends_with('#') {
                        s.push('#');
                    }
                } else {
                    s.push(c);
                }
            }
        }
        if s.len() >= 120 {
            break;
        }
    }
    s
}

fn panic_signature(loc: &str, culprit: &str) -> String {
    if culprit.is_empty() {
        loc.to_string()
    } else {
        // A panic inside std (capacity overflow…) or a dependency: the oxyfield frame too.
        format!("{loc} <- {culprit}")
    }
}

/// Runs one input with panics caught: Some((location, message, culprit)) on a panic.
fn run_caught(f: fn(&[u8]) -> String, data: &[u8]) -> Result<String, (String, String, String)> {
    if let Ok(mut p) = LAST_PANIC.lock() {
        *p = None;
    }
    match catch_unwind(AssertUnwindSafe(|| f(data))) {
        Ok(o) => Ok(o),
        Err(_) => Err(LAST_PANIC
            .lock()
            .ok()
            .and_then(|mut p| p.take())
            .unwrap_or_default()),
    }
}

// ---------------------------------------------------------------- child: fuzz one target

struct ChildArgs {
    target: String,
    secs: f64,
    timeout: f64,
    seed: u64,
}

fn child(a: ChildArgs) -> ! {
    let (name, f) = target(&a.target);
    let art = artifacts(name);
    let crash = art.join("crash-current");
    let _ = CRASH_PATH.set(CString::new(crash.display().to_string()).expect("path"));
    unsafe {
        libc::signal(libc::SIGABRT, on_abort as *const () as libc::sighandler_t);
    }
    install_panic_hook(std::env::var_os("OXYFUZZ_VERBOSE").is_some());

    let seeds = read_seeds(name);
    let dict = dictionary(&seeds);
    let max_len = seeds
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .saturating_mul(2)
        .max(4096);
    let mut m = Mutator {
        rng: Rng(a.seed | 1),
        dict: &dict,
        max_len,
    };

    // Hang watchdog.
    let timeout_ms = (a.timeout * 1000.0) as u64;
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(50));
        let st = EXEC_START.load(SeqCst);
        if st != 0 && now_ms().saturating_sub(st) > timeout_ms {
            save_current();
            eprintln!(
                "OXYFUZZ-HANG pid={} one input has run for more than {} s",
                std::process::id(),
                timeout_ms / 1000
            );
            report_execs();
            // Give the parent time to take a backtrace with gdb, then go.
            std::thread::sleep(Duration::from_secs(60));
            unsafe { libc::_exit(71) }
        }
    });

    let mut corpus: Vec<Vec<u8>> = Vec::new();
    let mut classes: HashSet<String> = HashSet::new();
    let mut sigs: HashMap<String, usize> = HashMap::new(); // signature → smallest size saved
    let (mut execs, mut panics) = (0u64, 0u64);
    let start = Instant::now();
    CHILD_START.store(now_ms(), Relaxed);
    let mut last_status = Instant::now();

    let mut exec = |data: &[u8],
                    corpus: &mut Vec<Vec<u8>>,
                    classes: &mut HashSet<String>,
                    execs: &mut u64,
                    panics: &mut u64| {
        CUR_PTR.store(data.as_ptr() as *mut u8, SeqCst);
        CUR_LEN.store(data.len(), SeqCst);
        EXEC_START.store(now_ms().max(1), SeqCst);
        let r = run_caught(f, data);
        EXEC_START.store(0, SeqCst);
        *execs += 1;
        EXECS.store(*execs, Relaxed);
        match r {
            Ok(o) => {
                let c = class(&o);
                if classes.insert(c) && corpus.len() < 4096 {
                    corpus.push(data.to_vec());
                }
            }
            Err((loc, msg, cul)) => {
                *panics += 1;
                let sig = panic_signature(&loc, &cul);
                let file = art.join(format!("panic-{}", &hash(sig.as_bytes())[..12]));
                let new = !sigs.contains_key(&sig);
                let smaller = sigs.get(&sig).is_none_or(|&n| data.len() < n);
                if smaller {
                    // Keep the smallest input per site, across runs too.
                    let on_disk =
                        std::fs::metadata(&file).map_or(usize::MAX, |md| md.len() as usize);
                    if data.len() < on_disk {
                        let _ = std::fs::write(&file, data);
                    }
                    sigs.insert(sig.clone(), data.len());
                }
                if new {
                    let msg1: String = msg.lines().next().unwrap_or("").chars().take(200).collect();
                    eprintln!("OXYFUZZ-FOUND panic\t{}\t{sig}\t{msg1}", file.display());
                }
            }
        }
    };

    // The seeds first, as they are.
    for s in &seeds {
        exec(s, &mut corpus, &mut classes, &mut execs, &mut panics);
    }
    let budget = Duration::from_secs_f64(a.secs);
    let mut buf = Vec::new();
    while start.elapsed() < budget {
        for _ in 0..32 {
            let pool_seed = corpus.is_empty() || m.rng.chance(4);
            let base = if pool_seed {
                &seeds[m.rng.below(seeds.len())]
            } else {
                &corpus[m.rng.below(corpus.len())]
            };
            let other = if m.rng.chance(2) || corpus.is_empty() {
                &seeds[m.rng.below(seeds.len())]
            } else {
                &corpus[m.rng.below(corpus.len())]
            };
            buf.clear();
            buf.extend_from_slice(base);
            let other = other.clone();
            m.mutate(&mut buf, &other);
            let input = std::mem::take(&mut buf);
            exec(&input, &mut corpus, &mut classes, &mut execs, &mut panics);
            buf = input;
        }
        if last_status.elapsed() > Duration::from_secs(15) {
            last_status = Instant::now();
            eprintln!(
                "  [{name}] {:>5.0} s  {execs} execs  {:.0}/s  corpus {}  outcomes {}  panics {panics}",
                start.elapsed().as_secs_f64(),
                execs as f64 / start.elapsed().as_secs_f64(),
                corpus.len(),
                classes.len()
            );
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "OXYFUZZ-SUMMARY execs={execs} secs={secs:.1} panics={panics} corpus={} outcomes={}",
        corpus.len(),
        classes.len()
    );
    oxyfield_fuzz::remove_scratch();
    std::process::exit(0)
}

// ---------------------------------------------------------------- parent

#[derive(Default)]
struct Tally {
    execs: u64,
    secs: f64,
    panics: u64,
    crashes: u64,
    found: Vec<String>,
}

fn run_target(exe: &Path, name: &str, o: &Opts, rng: &mut Rng) -> Tally {
    let mut t = Tally::default();
    let mut sigs: HashSet<String> = HashSet::new();
    let start = Instant::now();
    let total = Duration::from_secs_f64(o.secs);
    let mut restarts = 0;
    // A child that dies (oom, hang) is restarted until the time is up.
    while start.elapsed() < total && restarts < 100_000 {
        let left = (total - start.elapsed()).as_secs_f64().max(1.0);
        let crash = artifacts(name).join("crash-current");
        let _ = std::fs::remove_file(&crash);
        let mut ch = Command::new(exe)
            .args(["--child", name, "--secs", &format!("{left:.1}")])
            .args(["--timeout", &o.timeout.to_string()])
            .args(["--malloc-limit-mb", &o.limit_mb.to_string()])
            .args(["--seed", &rng.next().to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the child");
        let pid = ch.id();
        let stderr = ch.stderr.take().expect("stderr");
        let stdout = ch.stdout.take().expect("stdout");
        let reader = std::thread::spawn(move || {
            let mut kind: Option<&'static str> = None;
            let mut found = Vec::new();
            let mut lines: Vec<String> = Vec::new();
            let mut gdb = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.starts_with("OXYFUZZ-FOUND") {
                    found.push(line);
                    continue;
                }
                if line.starts_with("OXYFUZZ-OOM") {
                    kind = Some("oom");
                } else if line.starts_with("OXYFUZZ-HANG") {
                    kind = Some("hang");
                    // Take the stuck stack, then end the child.
                    match Command::new("gdb")
                        .args([
                            "-p",
                            &pid.to_string(),
                            "-batch",
                            "-ex",
                            "thread apply all bt 40",
                        ])
                        .stdin(Stdio::null())
                        .output()
                    {
                        Ok(out) => gdb.push_str(&String::from_utf8_lossy(&out.stdout)),
                        Err(e) => gdb.push_str(&format!("(no gdb backtrace: {e})\n")),
                    }
                    unsafe {
                        libc::kill(pid as i32, libc::SIGKILL);
                    }
                }
                // Status lines go through; what follows a finding goes to its report.
                if kind.is_none() && line.starts_with("  [") {
                    eprintln!("{line}");
                }
                lines.push(line);
            }
            (kind, found, lines, gdb)
        });
        let out_thread = std::thread::spawn(move || {
            let mut s = String::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                s.push_str(&line);
                s.push('\n');
            }
            s
        });
        // Wall-clock guard beyond the child's own watchdog.
        let hard = Duration::from_secs_f64(left + o.timeout + 120.0);
        let t0 = Instant::now();
        let status = loop {
            if let Some(st) = ch.try_wait().expect("wait") {
                break st;
            }
            if t0.elapsed() > hard {
                let _ = ch.kill();
                break ch.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let (kind, found, lines, gdb) = reader.join().unwrap_or_default();
        let _ = std::fs::remove_dir_all(oxyfield_fuzz::scratch_of(pid));
        let stdout = out_thread.join().unwrap_or_default();
        for f in found {
            let parts: Vec<&str> = f.splitn(4, '\t').collect();
            let sig = parts.get(2).copied().unwrap_or("").to_string();
            if sigs.insert(sig) {
                let line = format!(
                    "PANIC  {name}: {} — {}\n       input: {}",
                    parts.get(2).unwrap_or(&""),
                    parts.get(3).unwrap_or(&""),
                    parts.get(1).unwrap_or(&"")
                );
                eprintln!("{line}");
                t.found.push(line);
            }
        }
        if let Some(sum) = stdout.lines().find(|l| l.starts_with("OXYFUZZ-SUMMARY")) {
            let field = |k: &str| -> f64 {
                sum.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{k}=")))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0.0)
            };
            t.execs += field("execs") as u64;
            t.secs += field("secs");
            t.panics += field("panics") as u64;
        }
        if !status.success() {
            if let Some(l) = lines.iter().rev().find(|l| l.starts_with("OXYFUZZ-EXECS")) {
                for w in l.split_whitespace() {
                    if let Some(v) = w.strip_prefix("execs=") {
                        t.execs += v.parse::<u64>().unwrap_or(0);
                    } else if let Some(v) = w.strip_prefix("secs=") {
                        t.secs += v.parse::<f64>().unwrap_or(0.0);
                    }
                }
            }
            restarts += 1;
            t.crashes += 1;
            let kind = kind.unwrap_or("abort");
            let sig = crash_signature(kind, &lines, &gdb);
            let bytes = std::fs::read(&crash).unwrap_or_default();
            // One file per signature: the smallest input.
            let file = artifacts(name).join(format!("{kind}-{}", &hash(sig.as_bytes())[..12]));
            let on_disk = std::fs::metadata(&file).map_or(u64::MAX, |m| m.len());
            if (bytes.len() as u64) < on_disk {
                let _ = std::fs::rename(&crash, &file);
                let mut report = format!("{kind}: {sig}\nchild: {status}\n\n");
                let from = lines
                    .iter()
                    .position(|l| l.starts_with("OXYFUZZ-"))
                    .unwrap_or(0);
                report.push_str(&lines[from.min(lines.len())..].join("\n"));
                report.push_str("\n\n");
                report.push_str(&gdb);
                let _ = std::fs::write(file.with_extension("txt"), report);
            }
            let _ = std::fs::remove_file(&crash);
            let line = format!(
                "{}  {name}: {sig} ({} bytes of input)\n       input: {}",
                kind.to_uppercase(),
                bytes.len(),
                file.display()
            );
            // Printed once per signature; the restarts that find it again are counted.
            if sigs.insert(format!("{kind} {sig}")) {
                eprintln!("{line}");
                t.found.push(line);
            }
        }
    }
    t
}

/// What a dead child was doing: the oxyfield frame of an over-allocation or a hang, or
/// the runtime's last words.
fn crash_signature(kind: &str, lines: &[String], gdb: &str) -> String {
    match kind {
        "oom" => {
            let at = lines.iter().position(|l| l.starts_with("OXYFUZZ-OOM"));
            at.and_then(|i| lines.get(i + 1))
                .cloned()
                .unwrap_or_default()
        }
        "hang" => {
            // Thread 1 is the main thread, which runs the target.
            let main = gdb.split("\nThread 1 ").nth(1).unwrap_or(gdb);
            main.lines()
                .find_map(|l| {
                    let (head, at) = l.rsplit_once(" at ")?;
                    let file = at.split(':').next()?;
                    if !file.starts_with("src/")
                        || file.starts_with("src/bin/")
                        || file == "src/lib.rs"
                    {
                        return None;
                    }
                    let func = head.split(" in ").nth(1).unwrap_or(head.trim());
                    let func = func.split(" (").next().unwrap_or(func).trim();
                    let func = func.rsplit_once(' ').map_or(func, |(_, f)| f);
                    Some(format!("{file} ({func})"))
                })
                .unwrap_or_else(|| "(no oxyfield frame; see the gdb backtrace)".into())
        }
        _ => {
            if lines.iter().any(|l| l.contains("overflowed its stack")) {
                "stack overflow".into()
            } else if let Some(l) = lines.iter().find(|l| l.contains("memory allocation of")) {
                class(l)
            } else {
                lines.last().cloned().unwrap_or_default()
            }
        }
    }
}

struct Opts {
    secs: f64,
    timeout: f64,
    limit_mb: usize,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Opts {
        secs: 60.0,
        timeout: 10.0,
        limit_mb: 1024,
    };
    let mut seed = now_ms() ^ (std::process::id() as u64) << 32;
    let mut names = Vec::new();
    let mut child_target = None;
    let mut i = 0;
    let val = |i: &mut usize| -> String {
        *i += 1;
        args.get(*i).cloned().unwrap_or_else(|| {
            eprintln!("{} needs a value", args[*i - 1]);
            std::process::exit(2)
        })
    };
    while i < args.len() {
        match args[i].as_str() {
            "--secs" => o.secs = val(&mut i).parse().expect("--secs N"),
            "--timeout" => o.timeout = val(&mut i).parse().expect("--timeout S"),
            "--malloc-limit-mb" => o.limit_mb = val(&mut i).parse().expect("--malloc-limit-mb M"),
            "--seed" => seed = val(&mut i).parse().expect("--seed X"),
            "--child" => child_target = Some(val(&mut i)),
            "--list" => {
                for t in TARGETS {
                    println!("{}", t.0);
                }
                return;
            }
            "--repro" => return repro(&args[i + 1..], o.limit_mb),
            "--minimize" => return minimize(&args[i + 1..]),
            "-h" | "--help" => {
                println!(
                    "{}",
                    include_str!("mutate.rs")
                        .lines()
                        .take_while(|l| l.starts_with("//!"))
                        .map(|l| l.trim_start_matches("//!").trim_start_matches(' '))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
                return;
            }
            a if a.starts_with('-') => {
                eprintln!("unknown option {a}; see --help");
                std::process::exit(2)
            }
            a => names.push(a.to_string()),
        }
        i += 1;
    }
    if let Some(t) = child_target {
        ALLOC_LIMIT.store(o.limit_mb << 20, SeqCst);
        child(ChildArgs {
            target: t,
            secs: o.secs,
            timeout: o.timeout,
            seed,
        });
    }
    if names.is_empty() {
        names = TARGETS.iter().map(|t| t.0.to_string()).collect();
    }
    for n in &names {
        target(n);
    }
    let exe = std::env::current_exe().expect("own path");
    let mut rng = Rng(seed | 1);
    let mut rows = Vec::new();
    let mut all_found = Vec::new();
    for n in &names {
        eprintln!("== {n}: {} s", o.secs);
        let t = run_target(&exe, n, &o, &mut rng);
        rows.push((
            n.clone(),
            t.execs,
            t.secs,
            t.panics,
            t.crashes,
            t.found.len(),
        ));
        all_found.extend(t.found);
    }
    println!();
    println!(
        "{:<18} {:>10} {:>8} {:>9} {:>8} {:>14} {:>8}",
        "target", "execs", "secs", "execs/s", "panics", "oom/hang/abort", "unique"
    );
    for (n, e, s, p, c, u) in &rows {
        println!(
            "{n:<18} {e:>10} {s:>8.0} {:>9.0} {p:>8} {c:>14} {u:>8}",
            *e as f64 / s.max(1e-9)
        );
    }
    if all_found.is_empty() {
        println!("\nnothing found");
    } else {
        println!(
            "\nfindings (inputs under {}):",
            fuzz_dir().join("artifacts").display()
        );
        for f in &all_found {
            println!("{f}");
        }
        let _ = std::io::stdout().flush();
        std::process::exit(1);
    }
}

/// Runs inputs once, panics not caught (RUST_BACKTRACE=1 for the stack).
fn repro(args: &[String], limit_mb: usize) {
    let Some((name, files)) = args.split_first() else {
        eprintln!("--repro TARGET FILE…");
        std::process::exit(2)
    };
    let (_, f) = target(name);
    ALLOC_LIMIT.store(limit_mb << 20, SeqCst);
    for file in files {
        let data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        CUR_PTR.store(data.as_ptr() as *mut u8, SeqCst);
        CUR_LEN.store(data.len(), SeqCst);
        let t = Instant::now();
        let out = f(&data);
        println!("{file}: {:.3} s: {out}", t.elapsed().as_secs_f64());
    }
}

/// Shrinks a panicking input while it panics at the same site; writes FILE.min.
fn minimize(args: &[String]) {
    let [name, file] = args else {
        eprintln!("--minimize TARGET FILE");
        std::process::exit(2)
    };
    let (_, f) = target(name);
    install_panic_hook(false);
    let mut data = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
    let want = match run_caught(f, &data) {
        Err((loc, _, cul)) => panic_signature(&loc, &cul),
        Ok(o) => {
            eprintln!("{file} does not panic ({o})");
            std::process::exit(1)
        }
    };
    let same =
        |d: &[u8]| matches!(run_caught(f, d), Err((l, _, c)) if panic_signature(&l, &c) == want);
    // Lines first, then ever smaller byte chunks.
    loop {
        let before = data.len();
        let mut i = 0;
        while i < line_spans(&data).len() {
            let (s, e) = line_spans(&data)[i];
            let mut d = data.clone();
            d.drain(s..e);
            if same(&d) {
                data = d;
            } else {
                i += 1;
            }
        }
        let mut chunk = data.len().max(1).next_power_of_two();
        while chunk >= 1 {
            let mut at = 0;
            while at < data.len() {
                let mut d = data.clone();
                d.drain(at..(at + chunk).min(data.len()));
                if same(&d) {
                    data = d;
                } else {
                    at += chunk;
                }
            }
            chunk /= 2;
        }
        if data.len() == before {
            break;
        }
    }
    let out = format!("{file}.min");
    std::fs::write(&out, &data).expect("write");
    println!("{} bytes -> {out}  ({want})", data.len());
    println!("{:?}", String::from_utf8_lossy(&data));
}
