//! The `threadviz` binary: all logic lives in the library.

fn main() -> std::process::ExitCode {
    threadviz::cli::main()
}
