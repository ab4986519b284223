//! The test-support crate's one integration test binary.

mod github;
mod service;
