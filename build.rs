//! Renders `providerInfo()` at compile time from the core, so the WebAssembly
//! module carries the JSON text (a few hundred bytes gzipped) instead of the
//! code that builds it. The core stays the single source of the data.

fn main() {
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let info = gpt_image_core::provider_info().to_string();
    std::fs::write(std::path::Path::new(&out).join("provider_info.json"), info)
        .expect("OUT_DIR is writable");
    println!("cargo:rerun-if-changed=core/src/provider.rs");
    println!("cargo:rerun-if-changed=core/src/assumptions.rs");
}
