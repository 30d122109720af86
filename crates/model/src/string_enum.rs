//! The machinery shared by every "closed list plus `Other`" string enum on the wire.
//!
//! Roles and error codes are strings the service may extend at any time. One macro,
//! driven by one `(Variant, "WIRE_STRING")` table per type, generates the enum, an
//! `Other(String)` variant, `as_str`, `KNOWN`, a lenient `from_wire`, and serde impls.
//! Equality, ordering and hashing go through `as_str()`, so `Other("ORG_OWNER")` equals
//! `Owner` even if someone builds it by hand. This module must NOT contain strict parsing
//! rules for a particular type; those live next to the type.

/// Generates a string enum. See the module documentation.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug)]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant, )+
            /// A value this crate does not know. Kept verbatim so it round-trips.
            Other(String),
        }

        impl $name {
            /// Every value this crate knows, in table order (never contains `Other`).
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The string used on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Lenient conversion from a wire string: an unknown value becomes `Other`.
            ///
            /// This never fails, so a response with a new value still parses.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }

            /// True when the value is in [`Self::KNOWN`] (even if built as `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(Self::from_wire(self.as_str()), $name::Other(_))
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;
                impl serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a string")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from_wire(v))
                    }
                }
                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

/// Adds the STRICT parsing API of a role type on top of [`string_enum!`].
macro_rules! role_parsing {
    ($name:ident, $prefix:literal, $rule:literal) => {
        impl $name {
            /// Strict parse: only a known role is accepted, so typos are caught.
            ///
            /// Use [`Self::custom`] to ask for a role this crate does not know.
            pub fn parse(s: &str) -> Result<Self, $crate::ValidationError> {
                match Self::from_wire(s) {
                    $name::Other(_) => Err($crate::ValidationError::new("roles", $rule, s)),
                    known => Ok(known),
                }
            }

            /// Explicitly names a role this crate may not know (non-empty, no whitespace).
            ///
            /// A known role string gives the known variant, so equality stays canonical.
            pub fn custom(s: impl Into<String>) -> Result<Self, $crate::ValidationError> {
                let s = s.into();
                if s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err($crate::ValidationError::new(
                        "roles",
                        "a custom role must be non-empty and contain no whitespace",
                        s,
                    ));
                }
                Ok(match Self::from_wire(&s) {
                    $name::Other(_) => $name::Other(s),
                    known => known,
                })
            }
        }

        impl $name {
            #[doc = concat!("The prefix every role of this kind has (`", $prefix, "`).")]
            pub const PREFIX: &'static str = $prefix;

            /// Deliberately names a role this crate may not know yet, e.g. one Atlas added
            /// after this release. Nothing is checked here; `validate_for` of a request
            /// accepts it when [`Self::is_well_shaped`] holds, and the server is the judge
            /// of the rest. A known role string gives the known variant.
            pub fn unchecked(s: impl Into<String>) -> Self {
                let s = s.into();
                match Self::from_wire(&s) {
                    $name::Other(_) => $name::Other(s),
                    known => known,
                }
            }

            #[doc = concat!("True when the string looks like a role: `", $prefix, "` then `[A-Z0-9_]+`.")]
            ///
            /// Known roles are well-shaped; an unknown one is what an unchecked role must be.
            pub fn is_well_shaped(&self) -> bool {
                self.as_str().strip_prefix($prefix).is_some_and(|rest| {
                    !rest.is_empty()
                        && rest
                            .bytes()
                            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
                })
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }
    };
}
