//! The exit class of each promotion error: every gate has its own code (docs/promotion.md).

use release_exit::{Classify, ExitClass};

use crate::PromoteError;

impl Classify for PromoteError {
    fn exit_class(&self) -> ExitClass {
        match self {
            PromoteError::Frozen { .. } => ExitClass::Gate(10),
            PromoteError::NotVerifiedUpstream { .. } | PromoteError::Soaking { .. } => ExitClass::Gate(11),
            PromoteError::WaitingForApproval { .. } => ExitClass::Gate(12),
            PromoteError::Older { .. } => ExitClass::Gate(13),
            PromoteError::Locked { .. } => ExitClass::Gate(14),
            PromoteError::DeployFailed { .. } => ExitClass::Gate(15),
            PromoteError::VerifyFailed { .. } => ExitClass::Gate(16),
            PromoteError::Rejected { .. } => ExitClass::Gate(17),
            PromoteError::Held { .. } => ExitClass::Gate(18),
            PromoteError::NotAnApprover { .. }
            | PromoteError::SelfApproval { .. }
            | PromoteError::ApprovalsFromGitHub { .. } => ExitClass::Gate(19),
            PromoteError::Git(error) => error.exit_class(),
            // A lost push race or a rejected push is a state to fix, as `PushError` says.
            PromoteError::Push(error) => error.exit_class(),
            PromoteError::Ledger { .. }
            | PromoteError::Void { .. }
            | PromoteError::UnknownEnvironment { .. }
            | PromoteError::NeverCut { .. }
            | PromoteError::NothingToPromote { .. }
            | PromoteError::NoReleaseVersion { .. }
            | PromoteError::Reviews { .. }
            | PromoteError::CommandNotFound { .. }
            | PromoteError::NoRollbackTarget { .. }
            | PromoteError::BypassWithoutReason { .. }
            | PromoteError::BypassWithoutVersion => ExitClass::InvalidInput,
        }
    }
}
