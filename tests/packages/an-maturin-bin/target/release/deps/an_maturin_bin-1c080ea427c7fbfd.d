/work/wt-check/tests/packages/an-maturin-bin/target/release/deps/an_maturin_bin-1c080ea427c7fbfd.d: src/main.rs

/work/wt-check/tests/packages/an-maturin-bin/target/release/deps/an_maturin_bin-1c080ea427c7fbfd: src/main.rs

src/main.rs:

# env-dep:CARGO_PKG_VERSION=0.2.0
