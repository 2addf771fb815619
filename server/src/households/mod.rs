//! Households (户) and household visits (走访), issue 14 — the domain core:
//! identity numbers and phones (`id_number.rs`, `phone.rs`), the household with
//! its people and special kinds (`household.rs`, the six kinds of the glossary),
//! the all-or-nothing CSV import (`import.rs`) and the visit rules with who is due
//! (`visits.rs`: twice a calendar year, 11.1.3; special households every quarter,
//! Annex A item 16; Asia/Shanghai years and quarters). See `docs/households.md`.
//!
//! Plain synchronous Rust like `cases/`: no storage, HTTP or runtime types. The
//! store, routes and pages are not built yet.
//!
//! Personal data: an identity number is kept only as a keyed hash and a mask;
//! `Debug` of people, phones and numbers prints masks, so a log line cannot carry
//! them whole.

pub mod household;
pub mod id_number;
pub mod import;
pub mod phone;
pub mod synthetic;
pub mod visits;
pub mod xlsx;

pub use household::{Household, HouseholdDraft, Person, SpecialKind, SpecialKinds};
pub use id_number::{IdHash, IdKey, IdNumber};
pub use phone::Phone;
pub use visits::{Outcome, Standing, Visit, compliance};
