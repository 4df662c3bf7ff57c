//! Embeds the built site (wasm, JS, CSS) into release binaries so `casefile serve` needs no
//! files beside it. Debug builds serve the same directory from disk instead.

use std::path::Path;

fn main() {
    println!("cargo::rustc-check-cfg=cfg(embedded_assets)");
    println!("cargo::rerun-if-env-changed=PROFILE");
    let site = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/site");
    println!("cargo::rerun-if-changed={}", site.display());
    if std::env::var("PROFILE").as_deref() != Ok("release") {
        return;
    }
    if site.join("pkg").is_dir() {
        memory_serve::load_directory_with_embed(&site, true);
        println!("cargo::rustc-cfg=embedded_assets");
    } else {
        println!(
            "cargo::warning=target/site/pkg is missing: build with `cargo leptos build --release` to embed the site"
        );
    }
}
