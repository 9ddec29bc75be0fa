//! Typed vocabulary columns (issue 12.3): diesel reads and writes the
//! domain's closed sets ([`crate::domain::vocab`]) as their text codes, so
//! that nothing above `db/` parses a stored code again. The domain enums
//! stay free of diesel: the impls live here (the enums are this crate's own
//! types, so the orphan rule allows it).
//!
//! A stored code that is not in the set is an error, never a default: the
//! read fails with [`UnknownCode`] ("unknown unit 'box' in products.unit"),
//! and [`locate_rows`] can add which rows hold it. [`error_text`] writes an
//! error with its causes, for the log.

use std::error::Error as StdError;
use std::fmt;

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Nullable, SingleValue, Text};

use super::DbConn;
use super::schema::{
    follow_ups, indication_ranges, ledger, products, protocols, purchase_orders,
    treatment_sessions, users,
};
use crate::domain::vocab::{
    Addon, Category, Indication, LedgerKind, OrderStatus, Role, Severity, SideEffect, Unit,
};

/// Finds the ids of the rows whose vocabulary column holds `value`, as
/// `("table.column", id)` pairs (a few per column).
type Locator = fn(&mut DbConn, &str) -> QueryResult<Vec<(&'static str, i64)>>;

/// How many rows [`locate_rows`] names per column.
const LOCATE_LIMIT: i64 = 5;

/// A closed set stored as text codes: what an error about it says and
/// where its codes are stored.
pub trait Vocabulary: Sized + Copy + 'static {
    /// What one code is called in messages ("unit").
    const WHAT: &'static str;
    /// The columns that hold its codes ("products.unit").
    const COLUMNS: &'static [&'static str];
    /// Finds the rows whose column holds a stored text.
    const LOCATE: Locator;
    fn all() -> &'static [Self];
    fn code(self) -> &'static str;

    /// The value with exactly this code (no trimming, no case folding).
    fn decode(s: &str) -> Option<Self> {
        Self::all().iter().copied().find(|v| v.code() == s)
    }
}

/// A stored code that is not in its vocabulary.
#[derive(Debug, Clone)]
pub struct UnknownCode {
    /// The vocabulary ("unit").
    pub vocabulary: &'static str,
    /// The columns that hold it ("products.unit").
    pub columns: &'static [&'static str],
    /// The unknown code.
    pub value: String,
    /// The whole stored text (a list column holds several codes).
    pub stored: String,
    /// The rows found holding it (`"table.column"`, id), once located.
    pub rows: Vec<(&'static str, i64)>,
    locate: Locator,
}

impl UnknownCode {
    fn of<T: Vocabulary>(value: &str, stored: &str) -> Box<UnknownCode> {
        Box::new(UnknownCode {
            vocabulary: T::WHAT,
            columns: T::COLUMNS,
            value: value.to_string(),
            stored: stored.to_string(),
            rows: Vec::new(),
            locate: T::LOCATE,
        })
    }
}

impl fmt::Display for UnknownCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {} '{}' in ", self.vocabulary, self.value)?;
        if self.rows.is_empty() {
            return f.write_str(&self.columns.join(" or "));
        }
        let mut first = true;
        for col in self.columns {
            let ids: Vec<String> = self
                .rows
                .iter()
                .filter(|(c, _)| c == col)
                .map(|(_, id)| id.to_string())
                .collect();
            if ids.is_empty() {
                continue;
            }
            if !first {
                f.write_str(" and ")?;
            }
            first = false;
            let noun = if ids.len() == 1 { "row id" } else { "row ids" };
            write!(f, "{col} ({noun} {})", ids.join(", "))?;
        }
        Ok(())
    }
}

impl StdError for UnknownCode {}

/// Declares a vocabulary's messages and columns ([`Vocabulary`]).
macro_rules! vocabulary {
    ($ty:ident, $what:literal, [$($col:literal),+], $locate:expr) => {
        impl Vocabulary for $ty {
            const WHAT: &'static str = $what;
            const COLUMNS: &'static [&'static str] = &[$($col),+];
            const LOCATE: Locator = $locate;

            fn all() -> &'static [Self] {
                $ty::ALL
            }

            fn code(self) -> &'static str {
                $ty::code(self)
            }
        }
    };
}

/// Implements `FromSql`/`ToSql`/`Queryable`/`AsExpression` over `Text` for a
/// vocabulary stored one code per column, on every backend (SQLite,
/// PostgreSQL and the `MultiConnection` backend over both).
macro_rules! text_vocabulary {
    ($ty:ident, $what:literal, [$($col:literal),+], $locate:expr) => {
        vocabulary!($ty, $what, [$($col),+], $locate);

        impl<DB> FromSql<Text, DB> for $ty
        where
            DB: Backend,
            String: FromSql<Text, DB>,
        {
            fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
                let s = <String as FromSql<Text, DB>>::from_sql(bytes)?;
                match <$ty as Vocabulary>::decode(&s) {
                    Some(v) => Ok(v),
                    None => Err(UnknownCode::of::<$ty>(&s, &s)),
                }
            }
        }

        impl<DB> ToSql<Text, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql($ty::code(*self), out)
            }
        }

        impl<DB> ToSql<Nullable<Text>, DB> for $ty
        where
            DB: Backend,
            str: ToSql<Text, DB>,
        {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
                <str as ToSql<Text, DB>>::to_sql($ty::code(*self), out)
            }
        }

        impl<ST, DB> Queryable<ST, DB> for $ty
        where
            DB: Backend,
            ST: SingleValue,
            Self: FromSql<ST, DB>,
        {
            type Row = Self;

            fn build(row: Self) -> deserialize::Result<Self> {
                Ok(row)
            }
        }

        impl AsExpression<Text> for $ty {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl AsExpression<Nullable<Text>> for $ty {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Text> for &'a $ty {
            type Expression = Bound<Text, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }

        impl<'a> AsExpression<Nullable<Text>> for &'a $ty {
            type Expression = Bound<Nullable<Text>, Self>;

            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    };
}

/// A locator over one table's `id` and a text column.
macro_rules! locator {
    ($name:literal, $table:ident, $col:ident) => {
        |conn: &mut DbConn, value: &str| -> QueryResult<Vec<(&'static str, i64)>> {
            let ids: Vec<i64> = $table::table
                .filter($table::$col.eq(value))
                .select($table::id)
                .order($table::id)
                .limit(LOCATE_LIMIT)
                .load(conn)?;
            Ok(ids.into_iter().map(|id| ($name, id)).collect())
        }
    };
}

text_vocabulary!(
    Category,
    "category",
    ["products.category"],
    locator!("products.category", products, category)
);
text_vocabulary!(
    Unit,
    "unit",
    ["products.unit"],
    locator!("products.unit", products, unit)
);
text_vocabulary!(
    Role,
    "role",
    ["users.role"],
    locator!("users.role", users, role)
);
text_vocabulary!(
    LedgerKind,
    "ledger kind",
    ["ledger.kind"],
    locator!("ledger.kind", ledger, kind)
);
text_vocabulary!(
    OrderStatus,
    "order status",
    ["purchase_orders.status"],
    locator!("purchase_orders.status", purchase_orders, status)
);
text_vocabulary!(
    Severity,
    "severity",
    ["follow_ups.severity"],
    locator!("follow_ups.severity", follow_ups, severity)
);
text_vocabulary!(
    Indication,
    "indication",
    [
        "protocols.indication",
        "treatment_sessions.indication",
        "indication_ranges.indication"
    ],
    |conn: &mut DbConn, value: &str| {
        let mut rows = locator!("protocols.indication", protocols, indication)(conn, value)?;
        let sessions: Vec<i64> = treatment_sessions::table
            .filter(treatment_sessions::indication.eq(value))
            .select(treatment_sessions::id)
            .order(treatment_sessions::id)
            .limit(LOCATE_LIMIT)
            .load(conn)?;
        rows.extend(
            sessions
                .into_iter()
                .map(|id| ("treatment_sessions.indication", id)),
        );
        rows.extend(locator!(
            "indication_ranges.indication",
            indication_ranges,
            indication
        )(conn, value)?);
        Ok(rows)
    }
);
vocabulary!(
    Addon,
    "add-on",
    ["protocols.addons", "treatment_sessions.addons"],
    |conn: &mut DbConn, value: &str| {
        let mut rows = locator!("protocols.addons", protocols, addons)(conn, value)?;
        rows.extend(locator!(
            "treatment_sessions.addons",
            treatment_sessions,
            addons
        )(conn, value)?);
        Ok(rows)
    }
);
vocabulary!(
    SideEffect,
    "side effect",
    ["treatment_sessions.side_effects", "follow_ups.side_effects"],
    |conn: &mut DbConn, value: &str| {
        let mut rows = locator!(
            "treatment_sessions.side_effects",
            treatment_sessions,
            side_effects
        )(conn, value)?;
        rows.extend(locator!(
            "follow_ups.side_effects",
            follow_ups,
            side_effects
        )(conn, value)?);
        Ok(rows)
    }
);

/// A column holding a comma-separated list of codes (a session's add-ons
/// and side effects), read as the codes in stored order. Written as text by
/// the queries that store it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct CodeList<T>(pub Vec<T>);

impl<T: Vocabulary> CodeList<T> {
    /// The codes as stored: comma-separated, no spaces.
    pub fn text(&self) -> String {
        let codes: Vec<&str> = self.0.iter().map(|v| v.code()).collect();
        codes.join(",")
    }
}

impl<T> std::ops::Deref for CodeList<T> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<T: Vocabulary, DB> FromSql<Text, DB> for CodeList<T>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let s = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        let mut codes = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            match T::decode(part) {
                Some(v) => codes.push(v),
                None => return Err(UnknownCode::of::<T>(part, &s)),
            }
        }
        Ok(CodeList(codes))
    }
}

impl<T, ST, DB> Queryable<ST, DB> for CodeList<T>
where
    DB: Backend,
    ST: SingleValue,
    Self: FromSql<ST, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}

/// The [`UnknownCode`] somewhere in an error's chain, if there is one.
pub fn unknown_code<'a>(e: &'a (dyn StdError + 'static)) -> Option<&'a UnknownCode> {
    let mut cur: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(err) = cur {
        if let Some(u) = err.downcast_ref::<UnknownCode>() {
            return Some(u);
        }
        cur = err.source();
    }
    None
}

/// When `e` is a read that met an unknown vocabulary code, the same error
/// naming the rows that hold the code ("… in products.unit (row id 7)").
/// Any other error comes back as it was; so does this one when the rows
/// cannot be looked up.
pub fn locate_rows(conn: &mut DbConn, e: DieselError) -> DieselError {
    let found = match &e {
        DieselError::DeserializationError(inner) => unknown_code(&**inner).cloned(),
        _ => None,
    };
    let Some(found) = found.filter(|u| u.rows.is_empty()) else {
        return e;
    };
    match (found.locate)(conn, &found.stored) {
        Ok(rows) if !rows.is_empty() => {
            DieselError::DeserializationError(Box::new(UnknownCode { rows, ..found }))
        }
        _ => e,
    }
}

/// An error with its causes, outermost first, for the log: diesel wraps a
/// field that failed to read as "Error deserializing field 'unit'", and the
/// reason is only in the cause.
pub fn error_text(e: &(dyn StdError + 'static)) -> String {
    let mut text = e.to_string();
    let mut cur = e.source();
    while let Some(err) = cur {
        let part = err.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cur = err.source();
    }
    text
}
