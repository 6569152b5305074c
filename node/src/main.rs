//! The Bourse node.
#![warn(missing_docs)]
// sc-cli and sc-service return their own large error types; boxing them buys nothing here.
#![allow(clippy::result_large_err)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod trading_rpc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
