/// mimalloc instead of glibc's malloc: a plan allocates and frees a few hundred thousand small
/// strings (messages, paths, the JSON), and glibc's allocator was a quarter of a warm plan's
/// instructions. See docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    release_cli::main(std::env::args_os())
}
