//! THIS FILE WAS AUTO-GENERATED USING THE SUBSTRATE BENCHMARK CLI VERSION 64.0.0
//! DATE: 2026-12-06 (Y/M/D)
//! HOSTNAME: `vm`, CPU: `AMD EPYC`
//!
//! DATABASE: `RocksDb`, RUNTIME: `Bourse Development`
//! BLOCK-NUM: `Number(52)`
//! SKIP-WRITE: `false`, SKIP-READ: `false`, WARMUPS: `1`
//! STATE-VERSION: `V1`, STATE-CACHE-SIZE: ``
//! WEIGHT-PATH: `runtime/src`
//! METRIC: `Average`, WEIGHT-MUL: `1.0`, WEIGHT-ADD: `0`

// Executed Command:
//   bourse-node
//   benchmark
//   storage
//   --dev
//   --base-path
//   <base-path of a dev chain grown by scripts/bench-storage.sh>
//   --database
//   rocksdb
//   --state-version
//   1
//   --warmups
//   1
//   --weight-path
//   <output directory>

// Measured by `./scripts/bench-storage.sh <database> 100000` (a release node built with
// `--features storage-benchmark`) on a dev chain grown to 101,729 keys (100,000 new accounts,
// 768 resting orders), on the project's 2-core build machine, once with `--database rocksdb`
// (above) and once with `--database paritydb` (same state, same flags). The runtime charges
// ParityDB's figures: it is the database a node opens for a new base path (see
// `node/src/database.rs` and README, "Database weights").

/// Storage DB weights for the `Bourse Development` runtime: `ParityDb` (charged) and `RocksDb`.
pub mod constants {
	use frame_support::{
		parameter_types,
		weights::{constants, RuntimeDbWeight},
	};

	parameter_types! {
		/// ParityDB, the node's database for new base paths: what the runtime charges.
		pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
			// Time to read one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 902, 13_279_865
			//   Average:  5_523
			//   Median:   4_687
			//   Std-Dev:  68902.79
			//
			// Percentiles nanoseconds:
			//   99th: 8_212
			//   95th: 6_540
			//   75th: 5_268
			read: 5_523 * constants::WEIGHT_REF_TIME_PER_NANOS,

			// Time to write one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 14_509, 14_509
			//   Average:  14_509
			//   Median:   14_509
			//   Std-Dev:  0.0
			//
			// Percentiles nanoseconds:
			//   99th: 14_509
			//   95th: 14_509
			//   75th: 14_509
			write: 14_509 * constants::WEIGHT_REF_TIME_PER_NANOS,
		};

		/// RocksDB on the same state: what a node that keeps an existing RocksDB chain
		/// database (or runs `--database rocksdb`) spends; not charged.
		pub const RocksDbWeight: RuntimeDbWeight = RuntimeDbWeight {
			// Time to read one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 931, 12_173_369
			//   Average:  10_391
			//   Median:   9_684
			//   Std-Dev:  53730.61
			//
			// Percentiles nanoseconds:
			//   99th: 16_755
			//   95th: 13_240
			//   75th: 11_037
			read: 10_391 * constants::WEIGHT_REF_TIME_PER_NANOS,

			// Time to write one storage item.
			// Calculated by multiplying the *Average* of all values with `1.0` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 17_436, 17_436
			//   Average:  17_436
			//   Median:   17_436
			//   Std-Dev:  0.0
			//
			// Percentiles nanoseconds:
			//   99th: 17_436
			//   95th: 17_436
			//   75th: 17_436
			write: 17_436 * constants::WEIGHT_REF_TIME_PER_NANOS,
		};
	}

	#[cfg(test)]
	mod test_db_weights {
		use super::constants::{ParityDbWeight, RocksDbWeight};
		use frame_support::weights::{constants, RuntimeDbWeight};

		/// Checks that all weights exist and have sane values.
		#[test]
		fn bound() {
			for w in [ParityDbWeight::get(), RocksDbWeight::get()] {
				bounded(w);
			}
		}

		fn bounded(w: RuntimeDbWeight) {
			// At least 1 µs.
			assert!(
				w.reads(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Read weight should be at least 1 µs."
			);
			assert!(
				w.writes(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Write weight should be at least 1 µs."
			);
			// At most 1 ms.
			assert!(
				w.reads(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Read weight should be at most 1 ms."
			);
			assert!(
				w.writes(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Write weight should be at most 1 ms."
			);
		}
	}
}
