// An (unbuilt) Rust extension.
pub fn answer() -> u32 {
    42
}
