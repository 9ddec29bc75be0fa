//! The layer rule (ARCHITECTURE.md, issue 12.1), checked on the source:
//! routes → services → db, domain pure. domain, db and services import
//! nothing from actix, askama, routes or views; domain imports neither db
//! nor services (nor diesel); db does not import services. The demo
//! generators (`demo/`, issue 12.4) sit between cli and services: they may
//! call services and db, nothing web-facing, and nothing below names them. Every path that
//! names a module (`use` lines and inline `crate::…`/`super::…`/`actix_web::…`
//! paths alike) is checked, so the rule cannot be dodged by a full path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The layer a file belongs to, from its path under src/.
fn layer_of(rel: &Path) -> &'static str {
    let first = rel
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("");
    match first {
        "domain" => "domain",
        "db" => "db",
        "services" => "services",
        "demo" => "demo",
        "routes" => "routes",
        "views" => "views",
        "auth.rs" | "error.rs" | "csv_cell.rs" => "core",
        _ => "top",
    }
}

/// What each layer must not name: crate modules, then external crates.
fn forbidden(layer: &str) -> (&'static [&'static str], &'static [&'static str]) {
    const WEB: &[&str] = &[
        "actix_web",
        "actix_http",
        "actix_session",
        "actix",
        "askama",
        "askama_web",
    ];
    match layer {
        "domain" => (
            &[
                "db", "services", "demo", "routes", "views", "app", "server", "cli", "auth",
                "error",
            ],
            &[
                "actix_web",
                "actix_http",
                "actix_session",
                "actix",
                "askama",
                "askama_web",
                "diesel",
            ],
        ),
        "db" => (
            &[
                "services", "demo", "routes", "views", "app", "server", "cli", "auth",
            ],
            WEB,
        ),
        "services" => (&["demo", "routes", "views", "app", "server", "cli"], WEB),
        "demo" => (&["routes", "views", "app", "server", "cli"], WEB),
        "core" => (
            &[
                "services", "demo", "routes", "views", "app", "server", "cli",
            ],
            WEB,
        ),
        _ => (&[], &[]),
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The source without `//` comments (doc comments may mention any layer).
fn code_only(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The module path of a file (`services/orders/mod.rs` → services::orders).
fn module_path(rel: &Path) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every top-level crate module a file names: `crate::x`, `crate::{x, y}`,
/// and `super::…` chains that climb out of the file's own layer.
fn crate_modules_named(code: &str, module: &[String]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let text: String = bytes.iter().collect();
    let mut i = 0;
    while let Some(pos) = text[i..].find("crate::").map(|p| p + i) {
        let before = text[..pos].chars().last();
        i = pos + "crate::".len();
        if before.is_some_and(is_ident) {
            continue;
        }
        let rest = &text[i..];
        if let Some(group) = rest.strip_prefix('{') {
            // Names at depth 1 of the group.
            let mut depth = 1;
            let mut name = String::new();
            let mut expecting = true;
            for c in group.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        expecting = false;
                    }
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    ',' if depth == 1 => {
                        expecting = true;
                        name.clear();
                    }
                    c if depth == 1 && expecting && is_ident(c) => name.push(c),
                    _ if depth == 1 && expecting && !name.is_empty() => {
                        found.insert(std::mem::take(&mut name));
                        expecting = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                found.insert(name);
            }
        } else {
            let name: String = rest.chars().take_while(|c| is_ident(*c)).collect();
            if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    // `super::super::x` from services/a/b.rs resolves against the module path.
    let mut j = 0;
    while let Some(pos) = text[j..].find("super::").map(|p| p + j) {
        let before = text[..pos].chars().last();
        if before.is_some_and(is_ident) || before == Some(':') {
            j = pos + 7;
            continue;
        }
        let mut k = pos;
        let mut ups = 0;
        while text[k..].starts_with("super::") {
            ups += 1;
            k += 7;
        }
        j = k;
        let name: String = text[k..].chars().take_while(|c| is_ident(*c)).collect();
        if ups < module.len() {
            let mut resolved: Vec<String> = module[..module.len() - ups].to_vec();
            resolved.push(name);
            found.insert(resolved[0].clone());
        } else {
            found.insert(name);
        }
    }
    found
}

/// External crates a file names (`actix_web::…`, `use askama::…`).
fn external_named(code: &str, names: &[&str]) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for n in names {
        let pat = format!("{n}::");
        let mut i = 0;
        while let Some(pos) = code[i..].find(&pat).map(|p| p + i) {
            let before = code[..pos].chars().last();
            if !before.is_some_and(|c| is_ident(c) || c == ':') {
                found.insert(n.to_string());
            }
            i = pos + pat.len();
        }
    }
    found
}

/// Every crossing found in src/: "file: layer names forbidden".
fn crossings() -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut bad = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).unwrap().to_path_buf();
        let layer = layer_of(&rel);
        let (mods, crates) = forbidden(layer);
        if mods.is_empty() && crates.is_empty() {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&f).unwrap());
        let module = module_path(&rel);
        for m in crate_modules_named(&code, &module) {
            if mods.contains(&m.as_str()) {
                bad.push(format!("src/{}: {layer} names crate::{m}", rel.display()));
            }
        }
        for c in external_named(&code, crates) {
            bad.push(format!("src/{}: {layer} names {c}", rel.display()));
        }
    }
    bad
}

#[test]
fn layers_import_only_downward() {
    let bad = crossings();
    assert!(
        bad.is_empty(),
        "imports that cross a layer the wrong way (routes → services → db, domain pure):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_layer_check_sees_crossings() {
    // The scanner itself: each of these must be caught.
    let m = |s: &str, module: &[&str]| {
        crate_modules_named(s, &module.iter().map(|x| x.to_string()).collect::<Vec<_>>())
    };
    assert!(m("use crate::routes::api::ApiError;", &["services", "x"]).contains("routes"));
    assert!(m("use crate::{db, views::frame};", &["services", "x"]).contains("views"));
    assert!(m("let x = crate::services::y();", &["db", "x"]).contains("services"));
    assert!(m("use super::super::routes::x;", &["services", "a"]).contains("routes"));
    assert!(!m("use super::helpers;", &["services", "a"]).contains("routes"));
    assert!(
        external_named("fn f(r: actix_web::HttpRequest) {}", &["actix_web"]).contains("actix_web")
    );
    assert!(external_named("use my_actix_web::x;", &["actix_web"]).is_empty());
    assert_eq!(layer_of(Path::new("services/orders/mod.rs")), "services");
    assert_eq!(layer_of(Path::new("demo/large.rs")), "demo");
    let (demo_mods, demo_crates) = forbidden("demo");
    assert!(demo_mods.contains(&"routes") && demo_crates.contains(&"actix_web"));
    assert!(forbidden("services").0.contains(&"demo"));
}
