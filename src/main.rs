//! The `threadviz` binary: all logic lives in the library.

fn main() -> std::process::ExitCode {
    threadviz::dashboard::cli::main()
}
