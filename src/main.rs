//! wheelhouse entry point; everything from the command line on is `cli::dispatch`.

fn main() -> std::process::ExitCode {
    wheelhouse::cli::dispatch::main()
}
