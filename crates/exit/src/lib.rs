//! The exit class of an error, decided where the error is defined: every library error enum
//! implements [`Classify`] with an exhaustive `match` (no `_` arm), so a new variant does not
//! compile until someone decides whether it is the user's mistake, an unexpected failure or a
//! promotion gate. The CLI asks each cause of an error chain for its class and turns the first
//! answer into the process exit code; this crate itself never exits or prints.
//!
//! It has no dependencies, so every library crate can depend on it without pulling anything in.
//!
//! ```
//! use release_exit::{Classify, ExitClass};
//!
//! #[derive(Debug)]
//! enum LoadError {
//!     Missing(String),
//!     Io(std::io::Error),
//! }
//!
//! impl Classify for LoadError {
//!     fn exit_class(&self) -> ExitClass {
//!         match self {
//!             LoadError::Missing(_) => ExitClass::InvalidInput,
//!             LoadError::Io(_) => ExitClass::Unexpected,
//!         }
//!     }
//! }
//!
//! assert_eq!(LoadError::Missing("release.toml".into()).exit_class().code(), 1);
//! ```

use std::error::Error;
use std::fmt;

/// What kind of failure an error is, as the README's exit codes tell it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitClass {
    /// Exit 1: the input was invalid or a check failed (config, manifests, git state, arguments).
    InvalidInput,
    /// Exit 2: something unexpected (I/O, a bug).
    Unexpected,
    /// Exit 10-19: a promotion gate held, each gate with its own documented code
    /// (docs/promotion.md). Only the promotion stage uses these.
    Gate(u8),
}

impl ExitClass {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitClass::InvalidInput => 1,
            ExitClass::Unexpected => 2,
            ExitClass::Gate(code) => code,
        }
    }
}

/// An error that knows its own exit class.
pub trait Classify {
    fn exit_class(&self) -> ExitClass;
}

/// An error of a type the receiving crate cannot name (a callback's error, say), carrying the
/// class its own type gave it. It shows as the error it holds: the same message and causes.
#[derive(Debug)]
pub struct Classified {
    class: ExitClass,
    error: Box<dyn Error + Send + Sync>,
}

impl Classified {
    pub fn new<E: Error + Classify + Send + Sync + 'static>(error: E) -> Classified {
        Classified { class: error.exit_class(), error: Box::new(error) }
    }

    /// The error itself, e.g. to downcast it.
    pub fn error(&self) -> &(dyn Error + Send + Sync + 'static) {
        &*self.error
    }
}

impl fmt::Display for Classified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl Error for Classified {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.error.source()
    }
}

impl Classify for Classified {
    fn exit_class(&self) -> ExitClass {
        self.class
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_readme_s() {
        for (class, code) in [(ExitClass::InvalidInput, 1), (ExitClass::Unexpected, 2), (ExitClass::Gate(14), 14)] {
            assert_eq!(class.code(), code, "{class:?}");
        }
    }

    #[derive(Debug)]
    struct Held;
    impl fmt::Display for Held {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("held")
        }
    }
    impl Error for Held {}
    impl Classify for Held {
        fn exit_class(&self) -> ExitClass {
            ExitClass::Gate(18)
        }
    }

    #[test]
    fn classified_keeps_the_class_and_the_message_of_what_it_holds() {
        let classified = Classified::new(Held);
        assert_eq!(classified.exit_class(), ExitClass::Gate(18));
        assert_eq!(classified.to_string(), "held");
        assert!(classified.error().is::<Held>());
    }
}
