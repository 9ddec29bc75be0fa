//! Import files as people have them: the kinds of file and their columns
//! (`kinds`), reading the bytes into rows keyed by canonical column name
//! (`file`: encoding, BOM, separator, header synonyms, size limit), and the
//! forgiving reading of cells (`cells`: dates, decimal commas, needle
//! lengths, vocabulary labels, formula-looking cells). Pure: no database;
//! `services::import` validates rows with the catalogue's own rules.

pub mod cells;
pub mod file;
pub mod kinds;

pub use file::{FileError, Row, Table, read_table};
pub use kinds::{Column, ImportKind};
