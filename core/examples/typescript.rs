//! Prints `generated.d.ts`: the TypeScript names taken from the Rust core.
fn main() {
    print!("{}", gpt_image_core::typescript::declarations());
}
