/// mimalloc instead of glibc's malloc: a plan allocates and frees a few hundred thousand small
/// strings (messages, paths, the JSON), and glibc's allocator was a quarter of a warm plan's
/// instructions. Built without transparent huge pages (the `no_thp` feature): asked for them,
/// the kernel compacts memory on the first touch of each, and a warm plan that followed another
/// process (`git log`, in the bench) took a quarter longer, at worst 1.7x. See docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    release_cli::main(std::env::args_os())
}
