//! The Bourse node.
#![warn(missing_docs)]

mod chain_spec;
mod cli;
mod command;
mod rpc;
mod service;
mod trading_rpc;

fn main() -> sc_cli::Result<()> {
	command::run()
}
