//! Identifiers that say what they identify, so that one cannot be passed where another is
//! expected (a reviewer where an application is meant, or a pair in the wrong order).

use std::fmt;

use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub Uuid);

        impl $name {
            /// The underlying UUID.
            #[must_use]
            pub const fn uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// An application.
    ApplicationId
);
id_type!(
    /// A grant call.
    CallId
);
id_type!(
    /// An organisation.
    OrganizationId
);
id_type!(
    /// An account: an applicant, a reviewer, an officer or an admin.
    UserId
);
id_type!(
    /// A reviewer's assignment to an application.
    AssignmentId
);
id_type!(
    /// An invitation to join an organisation.
    InvitationId
);
