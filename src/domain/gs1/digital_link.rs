//! GS1 Digital Link URIs as printed in 2D codes
//! (`https://id.example.com/01/09506000134352/10/ABC123?17=201231`): any
//! host and path prefix, then a primary key (for us the GTIN, `/01/`) and
//! its qualifiers as `/AI/value` pairs, further AIs in the query. Values are
//! percent-decoded; query parameters that are not AIs are ignored. The
//! elements found go through the same checks as an element string.

use super::ais::{self, Ai};
use super::elements::Element;
use super::{Gs1Error, bail};

/// Primary keys a Digital Link path may start with (after its prefix).
const PRIMARY_KEYS: &[&str] = &[
    "01", "00", "8006", "8013", "8010", "414", "415", "417", "8017", "8018", "255", "253", "401",
    "402", "8003", "8004",
];

/// True when the text looks like an http(s) URI.
pub(super) fn is_uri(text: &str) -> bool {
    let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Splits a Digital Link URI (`text`, starting at character `offset` of
/// the scan) into elements.
pub(super) fn split(text: &str, offset: usize) -> Result<Vec<Element>, Gs1Error> {
    let chars: Vec<char> = text.chars().collect();
    let scheme_end = text
        .find("://")
        .map_or(0, |b| text[..b].chars().count() + 3);
    let end = chars.iter().position(|&c| c == '#').unwrap_or(chars.len());
    let slice = |a: usize, b: usize| chars.get(a..b).unwrap_or(&[]);
    let query_at = slice(0, end).iter().position(|&c| c == '?').unwrap_or(end);
    let path_at = slice(scheme_end, query_at)
        .iter()
        .position(|&c| c == '/')
        .map_or(query_at, |p| scheme_end + p);
    // Path segments with their start positions.
    let mut segments: Vec<(usize, String)> = Vec::new();
    let mut start = path_at + 1;
    for k in path_at + 1..=query_at {
        if k == query_at || chars.get(k) == Some(&'/') {
            if k > start {
                segments.push((start, slice(start, k).iter().collect()));
            }
            start = k + 1;
        }
    }
    let Some(first) = segments
        .iter()
        .position(|(_, s)| PRIMARY_KEYS.contains(&s.as_str()))
    else {
        bail!(
            "this web address is not a GS1 Digital Link: its path has no /01/{{GTIN}} (found {:?})",
            slice(path_at, query_at).iter().collect::<String>()
        );
    };
    let pairs = segments.get(first..).unwrap_or(&[]);
    if let Some((at, key)) = pairs.last().filter(|_| pairs.len() % 2 != 0) {
        bail!(
            "GS1 Digital Link: /{key} at position {} has no value after it",
            offset + at + 1
        );
    }
    let mut out = Vec::new();
    for pair in pairs.chunks_exact(2) {
        let [(key_at, key), (value_at, raw)] = pair else {
            continue;
        };
        let ai = known(key, offset + key_at)?;
        let mut value = decode(raw, offset + value_at)?;
        if ai.code == "01"
            && matches!(value.len(), 8 | 12 | 13)
            && value.bytes().all(|b| b.is_ascii_digit())
        {
            value = format!("{value:0>14}");
        }
        out.push(element(ai, value, offset + key_at, offset + value_at));
    }
    if query_at < end {
        let mut k = query_at + 1;
        for param in slice(query_at + 1, end).split(|&c| c == '&') {
            let param: String = param.iter().collect();
            let at = k;
            k += param.chars().count() + 1;
            let Some((key, raw)) = param.split_once('=') else {
                continue;
            };
            if key.is_empty() || !key.bytes().all(|b| b.is_ascii_digit()) {
                continue; // linkType, context and other non-AI parameters
            }
            let Some(ai) = ais::lookup(key) else {
                continue;
            };
            let value_at = at + key.chars().count() + 1;
            let value = decode(raw, offset + value_at)?;
            out.push(element(ai, value, offset + at, offset + value_at));
        }
    }
    Ok(out)
}

fn known(key: &str, at: usize) -> Result<Ai, Gs1Error> {
    ais::lookup(key).ok_or_else(|| {
        Gs1Error::new(format!(
            "GS1 Digital Link: unknown application identifier ({key}) at position {}",
            at + 1
        ))
    })
}

fn element(ai: Ai, value: String, ai_at: usize, value_at: usize) -> Element {
    Element {
        ai,
        value,
        ai_at,
        value_at,
    }
}

/// Percent-decoding of one path segment or query value.
fn decode(raw: &str, at: usize) -> Result<String, Gs1Error> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut k = 0;
    while k < bytes.len() {
        if bytes[k] == b'%' {
            let hex = raw
                .get(k + 1..k + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                bail!(
                    "GS1 Digital Link: bad percent-encoding at position {}",
                    at + raw[..k].chars().count() + 1
                );
            };
            out.push(b);
            k += 3;
        } else {
            out.push(bytes[k]);
            k += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        Gs1Error::new(format!(
            "GS1 Digital Link: the value at position {} is not UTF-8 text",
            at + 1
        ))
    })
}
