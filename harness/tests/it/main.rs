//! Integration tests of the harness itself, one module per capability, in one binary (one
//! link step on a 2-core CI machine).

mod baseline;
mod binary;
mod browser;
mod cleanup;
mod cli;
mod config;
mod contracts;
mod diagnostics;
mod features;
mod har;
mod hostile;
mod idp_traffic;
mod kill_matrix;
mod legal_variation;
mod load;
mod nonconformant;
mod paging;
mod publish;
mod safety;
mod shards;
mod simulate;
mod snapshots;
mod support;
mod timeouts;
mod verdicts;
mod webdriver;
