fn main() -> std::process::ExitCode {
    release_cli::main(std::env::args_os())
}
