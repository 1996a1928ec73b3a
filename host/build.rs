//! Builds the components workspace for `wasm32-wasip2` and hands the `.wasm` files to
//! the host: the default components are embedded in the binary (`include_bytes!`),
//! test programs are exposed to the integration tests by path.
//!
//! The nested build has a target directory of its own (`target/wasm`) so it never
//! waits on the lock of the outer build, and it is shared by every profile: a test
//! build and a release build reuse one component build.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Components embedded in the binary as built-in defaults.
const EMBEDDED: &[&str] = &["mastodon_api", "activitypub", "inbox", "keyword_filter", "domain_policy"];
/// Test programs: built alongside, never embedded.
const TEST_PROGRAMS: &[&str] = &["misbehave", "probe", "job_recorder", "hello_v1", "hello_v2", "spin_hello"];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let components = root.join("components");
    let target_dir = root.join("target").join("wasm");
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());

    // Every member of the components workspace (an edit anywhere in it must rebuild
    // the embedded bytes), read from the folder rather than listed by hand.
    for entry in std::fs::read_dir(&components).expect("reading the components folder") {
        let path = entry.expect("reading the components folder").path();
        if path.file_name().is_some_and(|name| name != "target") {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    println!("cargo:rerun-if-changed={}", root.join("wit").display());

    // AERIE_PREBUILT_COMPONENTS=DIR takes the .wasm files from DIR instead of building
    // them (for working on the host while a component does not compile).
    println!("cargo:rerun-if-env-changed=AERIE_PREBUILT_COMPONENTS");
    let built = match env::var_os("AERIE_PREBUILT_COMPONENTS") {
        Some(dir) => PathBuf::from(dir),
        None => {
            build_components(&components, &target_dir);
            target_dir.join("wasm32-wasip2").join("release")
        }
    };
    for name in EMBEDDED.iter().chain(TEST_PROGRAMS) {
        let from = built.join(format!("{name}.wasm"));
        let to = out_dir.join(format!("{name}.wasm"));
        std::fs::copy(&from, &to).unwrap_or_else(|e| panic!("copying {} to {}: {e}", from.display(), to.display()));
    }
    println!("cargo:rustc-env=AERIE_COMPONENTS_DIR={}", out_dir.display());
}

/// Installs the wasm target into the toolchain this build runs on when it is missing:
/// rustup installs the targets of rust-toolchain.toml only when it installs the
/// toolchain itself, so an already-installed toolchain would fail the component build
/// with "can't find crate for core".
fn ensure_wasm_target() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let sysroot = Command::new(&rustc).args(["--print", "sysroot"]).output();
    let installed = match &sysroot {
        Ok(out) if out.status.success() => {
            let root = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            root.join("lib/rustlib/wasm32-wasip2/lib").is_dir()
        }
        _ => false,
    };
    if installed {
        return;
    }
    let mut rustup = Command::new("rustup");
    rustup.args(["target", "add", "wasm32-wasip2"]);
    if let Ok(toolchain) = env::var("RUSTUP_TOOLCHAIN") {
        rustup.args(["--toolchain", &toolchain]);
    }
    match rustup.output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => println!("cargo:warning=rustup target add wasm32-wasip2 failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
        Err(e) => {
            println!("cargo:warning=the wasm32-wasip2 target is missing and rustup could not be run ({e}); install the target by hand")
        }
    }
}

fn build_components(components: &Path, target_dir: &Path) {
    ensure_wasm_target();
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(components)
        .args(["build", "--release", "--target", "wasm32-wasip2", "--workspace"])
        .arg("--target-dir")
        .arg(target_dir);
    // The outer build's flags and wrappers are for the host target, not for wasm.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_PRIMARY_PACKAGE",
    ] {
        command.env_remove(var);
    }
    for (key, _) in env::vars() {
        if key.starts_with("CARGO_PROFILE_") || key.starts_with("CARGO_CFG_") {
            command.env_remove(key);
        }
    }
    let output = command.output().expect("running cargo to build the components");
    if !output.status.success() {
        panic!(
            "building the components for wasm32-wasip2 failed.\n\
             If the target is missing, run: rustup target add wasm32-wasip2\n\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}
