#![no_main]
// libFuzzer target; the body is oxyfield_fuzz::greens (fuzz/src/lib.rs), shared with the
// stable driver (fuzz/src/bin/mutate.rs).
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = oxyfield_fuzz::greens(data);
});
