//! The routing table built from the component manifest: which component serves a path.

/// One route: an exact path, a folder (`/api/*` serves `/api` and everything under
/// it) or a raw prefix (`/@*` serves `/@alice` and `/@alice/123`).
#[derive(Debug, Clone)]
enum Pattern {
    Exact(String),
    Prefix(String),
    Raw(String),
}

#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    /// Most specific first: exact routes, then longer prefixes.
    routes: Vec<(Pattern, String)>,
}

impl RouteTable {
    /// Builds the table from `(component id, routes)` pairs.
    pub fn new<'a>(entries: impl IntoIterator<Item = (&'a str, &'a [String])>) -> RouteTable {
        let mut routes = Vec::new();
        for (id, patterns) in entries {
            for pattern in patterns {
                let pattern = match (pattern.strip_suffix("/*"), pattern.strip_suffix('*')) {
                    (Some(prefix), _) => Pattern::Prefix(prefix.to_string()),
                    (None, Some(raw)) => Pattern::Raw(raw.to_string()),
                    (None, None) => Pattern::Exact(pattern.clone()),
                };
                routes.push((pattern, id.to_string()));
            }
        }
        routes.sort_by_key(|(pattern, _)| match pattern {
            Pattern::Exact(p) => (0, usize::MAX - p.len()),
            Pattern::Prefix(p) | Pattern::Raw(p) => (1, usize::MAX - p.len()),
        });
        RouteTable { routes }
    }

    /// The component serving `path`, if any.
    pub fn find(&self, path: &str) -> Option<&str> {
        self.routes.iter().find_map(|(pattern, id)| {
            let hit = match pattern {
                Pattern::Exact(p) => path == p || path.strip_suffix('/') == Some(p.as_str()),
                Pattern::Prefix(p) => path == p || path.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('/')),
                Pattern::Raw(p) => path.len() > p.len() && path.starts_with(p.as_str()),
            };
            hit.then_some(id.as_str())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::RouteTable;

    #[test]
    fn exact_beats_prefix_and_longer_prefix_wins() {
        let api = vec!["/api/*".to_string()];
        let special = vec!["/api/v1/streaming/*".to_string(), "/nodeinfo/2.1".to_string()];
        let table = RouteTable::new([("api", api.as_slice()), ("special", special.as_slice())]);
        assert_eq!(table.find("/api/v1/instance"), Some("api"));
        assert_eq!(table.find("/api/v1/streaming/user"), Some("special"));
        assert_eq!(table.find("/nodeinfo/2.1"), Some("special"));
        assert_eq!(table.find("/apix"), None);
        assert_eq!(table.find("/api"), Some("api"));
        let web = vec!["/@*".to_string()];
        let table = RouteTable::new([("web", web.as_slice())]);
        assert_eq!(table.find("/@alice/123"), Some("web"));
        assert_eq!(table.find("/@"), None);
        assert_eq!(table.find("/alice"), None);
    }
}
