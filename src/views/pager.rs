//! Pagination links for list pages: "page 2 of 7" with previous/next links
//! that keep the page's filters, and the query-string encoding they use.

#[derive(Debug, Clone)]
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    pub prev_href: Option<String>,
    pub next_href: Option<String>,
}

/// A query string from (name, value) pairs, skipping empty values.
pub fn query_string(params: &[(&str, String)]) -> String {
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

impl Pager {
    /// `params` are the filters to keep; `page_param` names the page number.
    pub fn new(
        path: &str,
        params: &[(&str, String)],
        page_param: &str,
        page: i64,
        per_page: i64,
        total: i64,
    ) -> Pager {
        let pages = ((total + per_page - 1) / per_page.max(1)).max(1);
        let page = page.clamp(1, pages);
        let href = |n: i64| {
            let mut all: Vec<(&str, String)> = params.to_vec();
            if n > 1 {
                all.push((page_param, n.to_string()));
            }
            let q = query_string(&all);
            if q.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{q}")
            }
        };
        Pager {
            page,
            pages,
            total,
            prev_href: (page > 1).then(|| href(page - 1)),
            next_href: (page < pages).then(|| href(page + 1)),
        }
    }

    /// The row offset of this page.
    pub fn offset(page: i64, per_page: i64) -> i64 {
        (page.max(1) - 1) * per_page
    }
}

/// A page number from a query value (1 when absent or nonsense).
pub fn page_number(v: Option<&str>) -> i64 {
    v.and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n >= 1 && *n < 1_000_000)
        .unwrap_or(1)
}

/// Percent-encodes a query-string value (unreserved characters and `/` kept).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}
