//! The JSON bodies of `/api/v1`, one serde struct per body (API.md), from
//! which the OpenAPI document is generated (`routes::api::openapi`).
//!
//! Requests are read the way forms are read: a scalar field ([`Scalar`])
//! takes a string, a number, `true`/`false` or `null` and becomes the text a
//! form would send, which the services parse and judge; a list or object
//! where a scalar belongs is a 422 naming the field by its JSON path.
//! Responses are built from the services' views into these structs and
//! serialised straight (no `serde_json::Value` trees).

pub mod admin;
pub mod alerts;
pub mod catalog;
pub mod movements;
pub mod orders;
pub mod protocols;
pub mod reactions;
pub mod reports;
pub mod sessions;
pub mod sites;
pub mod stock;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::ArrayBuilder};
use utoipa::{PartialSchema, ToSchema};

use crate::domain::{NeedleLength, Quantity};

/// The one time format of the API: RFC 3339 UTC, whole seconds
/// (`2026-12-01T09:30:00Z`).
pub fn api_time(t: chrono::NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A time on the way out, written by [`api_time`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Time(pub chrono::NaiveDateTime);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&api_time(self.0))
    }
}

impl PartialSchema for Time {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::DateTime,
            )))
            .examples([serde_json::json!("2026-12-01T09:30:00Z")])
            .into()
    }
}
impl ToSchema for Time {}

/// A calendar day on the way out (`YYYY-MM-DD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day(pub chrono::NaiveDate);

impl Serialize for Day {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl PartialSchema for Day {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Date,
            )))
            .examples([serde_json::json!("2026-12-01")])
            .into()
    }
}
impl ToSchema for Day {}

/// A quantity in the product's unit (thousandths inside), written as a JSON
/// number with at most 3 decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Qty(pub i64);

impl Serialize for Qty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Quantity(self.0).to_json().serialize(s)
    }
}

impl PartialSchema for Qty {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some("a quantity in the product's unit, at most 3 decimals"))
            .examples([serde_json::json!(2.5)])
            .into()
    }
}
impl ToSchema for Qty {}

/// A needle length in mm (hundredths inside), a JSON number with at most 2
/// decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needle(pub i32);

impl Serialize for Needle {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        NeedleLength(self.0).to_json().serialize(s)
    }
}

impl PartialSchema for Needle {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .description(Some("needle length in mm, at most 2 decimals"))
            .examples([serde_json::json!(0.5)])
            .into()
    }
}
impl ToSchema for Needle {}

/// A scalar request field, read as a form field: a string, a number,
/// `true`/`false`, or `null` (an empty field). The service parses the text
/// and names the field when it is not acceptable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scalar(pub String);

impl Scalar {
    /// The text, `None` when empty (absent, `null` or `""`).
    pub fn text(v: &Option<Scalar>) -> Option<String> {
        v.as_ref().map(|s| s.0.clone()).filter(|s| !s.is_empty())
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a single value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar(v))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Scalar, E> {
        // The shortest decimal form, as `serde_json::Number` writes it.
        Ok(Scalar(
            serde_json::Number::from_f64(v)
                .map(|n| n.to_string())
                .unwrap_or_default(),
        ))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar(String::new()))
    }
    fn visit_none<E: de::Error>(self) -> Result<Scalar, E> {
        Ok(Scalar(String::new()))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(de::Error::custom("a single value, not a list"))
    }
    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(de::Error::custom("a single value, not an object"))
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// The schema of a scalar field: `types` first (what the field means), and
/// `null` for an empty field.
fn scalar_schema(description: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::SchemaType::from_iter([
            Type::String,
            Type::Number,
            Type::Boolean,
            Type::Null,
        ]))
        .description(Some(description))
        .into()
}

impl PartialSchema for Scalar {
    fn schema() -> RefOr<Schema> {
        scalar_schema("a single value (string or number); null or \"\" leaves it empty")
    }
}
impl ToSchema for Scalar {}

/// For a field whose `null` means something (clear it) as opposed to
/// leaving it out: absent is `None` (with `#[serde(default)]`), `null` is
/// `Some("")`.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Scalar>, D::Error> {
    Scalar::deserialize(d).map(Some)
}

/// A list of codes: an array of strings, or one comma-separated string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Codes(pub Vec<String>);

struct CodesVisitor;

impl<'de> Visitor<'de> for CodesVisitor {
    type Value = Codes;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of codes")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Codes, E> {
        Ok(Codes(v.split(',').map(str::to_string).collect()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Codes, E> {
        Ok(Codes::default())
    }
    fn visit_none<E: de::Error>(self) -> Result<Codes, E> {
        Ok(Codes::default())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Codes, D::Error> {
        d.deserialize_any(CodesVisitor)
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Codes, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<serde_json::Value>()? {
            match v {
                serde_json::Value::String(s) => out.push(s),
                _ => return Err(de::Error::custom("a list of codes")),
            }
        }
        Ok(Codes(out))
    }
}

impl<'de> Deserialize<'de> for Codes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Codes, D::Error> {
        d.deserialize_any(CodesVisitor)
    }
}

impl PartialSchema for Codes {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(ArrayBuilder::new().items(String::schema()))
            .item(ObjectBuilder::new().schema_type(Type::String))
            .item(ObjectBuilder::new().schema_type(Type::Null))
            .description(Some(
                "a list of codes: an array of strings or one comma-separated string",
            ))
            .into()
    }
}
impl ToSchema for Codes {}

/// `{"items":[…],"total":N}`: one page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// How many match in all (every page).
    pub total: i64,
}

/// `{"items":[…],"total":N,"next":…}`: one page of a list that pages by
/// cursor (ledger, sessions, audit).
#[derive(Debug, Serialize, ToSchema)]
pub struct CursorPage<T: ToSchema> {
    pub items: Vec<T>,
    /// How many match in all (every page).
    pub total: i64,
    /// The next page: this request's path and query with `cursor` set (and
    /// `offset` dropped); null on the last page.
    #[schema(examples("/api/v1/ledger?limit=100&cursor=1234"))]
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    struct Body {
        a: Option<Scalar>,
        b: Option<Scalar>,
        #[serde(default, deserialize_with = "present")]
        c: Option<Scalar>,
        #[serde(default, deserialize_with = "present")]
        d: Option<Scalar>,
        #[serde(default)]
        codes: Codes,
        lines: Option<Vec<Line>>,
    }

    #[derive(Debug, Deserialize)]
    struct Line {
        q: Option<Scalar>,
    }

    fn read(v: serde_json::Value) -> Result<Body, String> {
        serde_path_to_error::deserialize::<_, Body>(v).map_err(|e| e.path().to_string())
    }

    #[test]
    fn scalars_read_as_form_text_and_lists_are_refused_at_their_path() {
        let b = read(json!({"a": 2.5, "b": true, "c": null, "codes": "x,y",
                            "lines": [{"q": 1}, {"q": "0.5"}]}))
        .unwrap();
        assert_eq!(Scalar::text(&b.a).as_deref(), Some("2.5"));
        assert_eq!(Scalar::text(&b.b).as_deref(), Some("true"));
        assert_eq!(
            b.c,
            Some(Scalar(String::new())),
            "null is present and empty"
        );
        assert_eq!(b.d, None, "absent");
        assert_eq!(b.codes.0, ["x", "y"]);
        let lines = b.lines.unwrap();
        assert_eq!(Scalar::text(&lines[1].q).as_deref(), Some("0.5"));
        assert_eq!(read(json!({"a": ["x"]})).unwrap_err(), "a");
        assert_eq!(
            read(json!({"lines": [{"q": 1}, {"q": {"n": 1}}]})).unwrap_err(),
            "lines[1].q"
        );
        assert_eq!(
            read(json!({"lines": [{"q": 1}, 3]})).unwrap_err(),
            "lines[1]"
        );
        assert_eq!(read(json!({"codes": [1]})).unwrap_err(), "codes");
    }

    #[test]
    fn times_and_quantities_are_written_one_way() {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(9, 30, 5)
            .unwrap();
        assert_eq!(api_time(t), "2026-12-01T09:30:05Z");
        assert_eq!(
            serde_json::to_value(Time(t)).unwrap(),
            json!("2026-12-01T09:30:05Z")
        );
        assert_eq!(serde_json::to_value(Qty(2500)).unwrap(), json!(2.5));
        assert_eq!(serde_json::to_value(Qty(3000)).unwrap(), json!(3));
        assert_eq!(serde_json::to_value(Needle(150)).unwrap(), json!(1.5));
    }
}
