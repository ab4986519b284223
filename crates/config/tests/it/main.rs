//! release.toml as users meet it: the examples in the documentation, and hostile input.

mod docs_examples;
mod never_panics;
