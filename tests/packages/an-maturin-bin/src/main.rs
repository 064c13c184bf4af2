// A command-line program shipped in a wheel (maturin `bindings = "bin"` puts it in
// `<name>-<version>.data/scripts/`). It links libffi, a library outside every manylinux
// policy, so a repair must graft it into the wheel and point the program at the copy.
use std::os::raw::c_void;

#[link(name = "ffi")]
extern "C" {
    static ffi_type_void: c_void;
}

fn main() {
    let linked = unsafe { &ffi_type_void as *const c_void };
    println!("an-maturin-bin {} (libffi at {:p})", env!("CARGO_PKG_VERSION"), linked);
}
