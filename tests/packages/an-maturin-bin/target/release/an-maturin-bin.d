/work/wt-check/tests/packages/an-maturin-bin/target/release/an-maturin-bin: /work/wt-check/tests/packages/an-maturin-bin/src/main.rs
