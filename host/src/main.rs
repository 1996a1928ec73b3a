//! `aerie`: see `aerie --help` and the README.

fn main() {
    std::process::exit(aerie::cli::run());
}
