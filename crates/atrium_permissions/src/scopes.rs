//! What an API client may be allowed to do: OAuth scopes, held by a client
//! instead of roles.

/// What an API client may be allowed to do, in OAuth's `scope` syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    SitesRead,
    SitesWrite,
    UsersRead,
    UsersWrite,
    OrganizationsRead,
    OrganizationsWrite,
    CoursesRead,
    CoursesWrite,
    EnrollmentsRead,
    EnrollmentsWrite,
}

impl Scope {
    pub const ALL: [Scope; 10] = [
        Scope::SitesRead,
        Scope::SitesWrite,
        Scope::UsersRead,
        Scope::UsersWrite,
        Scope::OrganizationsRead,
        Scope::OrganizationsWrite,
        Scope::CoursesRead,
        Scope::CoursesWrite,
        Scope::EnrollmentsRead,
        Scope::EnrollmentsWrite,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::SitesRead => "sites:read",
            Scope::SitesWrite => "sites:write",
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
            Scope::OrganizationsRead => "organizations:read",
            Scope::OrganizationsWrite => "organizations:write",
            Scope::CoursesRead => "courses:read",
            Scope::CoursesWrite => "courses:write",
            Scope::EnrollmentsRead => "enrollments:read",
            Scope::EnrollmentsWrite => "enrollments:write",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|scope| scope.as_str() == value)
    }

    fn bit(self) -> u16 {
        1 << (self as u16)
    }
}

/// A set of [`Scope`]s; written as OAuth writes it, space-separated
/// (RFC 6749 §3.3), in a fixed order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ScopeSet(u16);

impl ScopeSet {
    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn insert(&mut self, scope: Scope) {
        self.0 |= scope.bit();
    }

    pub fn intersection(self, other: ScopeSet) -> ScopeSet {
        ScopeSet(self.0 & other.0)
    }

    pub fn is_subset(self, other: ScopeSet) -> bool {
        self.0 & !other.0 == 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    /// The space-separated form (`sites:read users:write`).
    pub fn encode(self) -> String {
        self.iter().map(Scope::as_str).collect::<Vec<_>>().join(" ")
    }

    /// Reads the space-separated form; `Err` names the first word that is
    /// not a scope.
    pub fn parse(value: &str) -> Result<Self, String> {
        value
            .split_whitespace()
            .try_fold(Self::default(), |mut set, word| {
                let scope = Scope::parse(word).ok_or_else(|| word.to_owned())?;
                set.insert(scope);
                Ok(set)
            })
    }

    /// Reads a stored or signed set, skipping the words this version does
    /// not know (a scope added by a newer replica grants nothing here).
    pub fn parse_known(value: &str) -> Self {
        value.split_whitespace().filter_map(Scope::parse).collect()
    }
}

impl FromIterator<Scope> for ScopeSet {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        let mut set = Self::default();
        for scope in iter {
            set.insert(scope);
        }
        set
    }
}
