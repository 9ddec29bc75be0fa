//! Pure domain logic: no database, no HTTP. Quantities, needle lengths, the
//! fixed vocabularies (categories, units, roles, indications, …), GS1 scans,
//! FEFO allocation and the reorder rule. Services call these.

pub mod access;
pub mod axis;
pub mod clock;
pub mod contact;
pub mod fefo;
pub mod gs1;
pub mod import;
pub mod input;
pub mod labels;
pub mod needle;
pub mod page;
pub mod quantity;
pub mod reactions;
pub mod reorder;
pub mod session_facts;
pub mod session_warnings;
pub mod throttle;
pub mod valuation;
pub mod vocab;

pub use needle::NeedleLength;
pub use quantity::Quantity;
