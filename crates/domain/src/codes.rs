//! Closed sets of stable codes (regions, roles, statuses…): parsing and printing them.

/// Implements `FromStr` and `Display` for an enum with `ALL` and `const fn code(self)`,
/// and declares `$error`, the failure to parse one, which lists the accepted codes and
/// reports `$problem` as its field code.
macro_rules! closed_set {
    ($ty:ident, $error:ident, $problem:literal) => {
        #[doc = concat!("The code names no `", stringify!($ty), "`.")]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $error;

        impl ::std::fmt::Display for $error {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let codes: Vec<&str> = $ty::ALL.iter().map(|v| v.code()).collect();
                write!(f, "must be one of {}", codes.join(", "))
            }
        }

        impl ::std::error::Error for $error {}

        impl $crate::validation::FieldProblem for $error {
            fn code(&self) -> &'static str {
                $problem
            }
        }

        impl ::std::str::FromStr for $ty {
            type Err = $error;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                $ty::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code() == code)
                    .ok_or($error)
            }
        }

        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

/// Implements `Display` as the code, for a closed set that is never parsed from input.
macro_rules! displayed_as_code {
    ($ty:ident) => {
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

pub(crate) use {closed_set, displayed_as_code};
