//! pallet-checkpoint's invariants against storage: run by `try_state` (try-runtime), by the
//! pallet's tests and by the runtime fuzzer after every block.
//!
//! - The interval is positive; the current and the pending validator sets hold no key twice,
//!   and a pending set is not empty.
//! - Records: none without a latest number; the latest record exists; every record is keyed by
//!   its own number, lies in the retained window `(latest - RecordsToKeep, latest]`, names a
//!   set that has been active, and later numbers were taken at later blocks, none in the future.
use crate::*;
use alloc::{collections::BTreeSet, vec::Vec};
use frame_support::traits::Get;
use sp_runtime::TryRuntimeError;

fn ensure_that(condition: bool, message: &'static str) -> Result<(), TryRuntimeError> {
	if condition {
		Ok(())
	} else {
		Err(message.into())
	}
}

fn distinct(keys: &[CheckpointId]) -> bool {
	keys.iter().collect::<BTreeSet<_>>().len() == keys.len()
}

impl<T: Config> Pallet<T> {
	/// Checks every invariant of pallet-checkpoint; the first violation found is the error.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		ensure_that(CheckpointInterval::<T>::get() > 0, "the checkpoint interval is zero")?;
		ensure_that(distinct(&Validators::<T>::get()), "a validator is in the set twice")?;
		if let Some(pending) = PendingValidators::<T>::get() {
			ensure_that(!pending.is_empty(), "the pending validator set is empty")?;
			ensure_that(distinct(&pending), "a validator is in the pending set twice")?;
		}
		let mut records: Vec<(CheckpointNumber, CheckpointRecord)> = Records::<T>::iter().collect();
		records.sort_by_key(|(number, _)| *number);
		let Some(latest) = LatestCheckpoint::<T>::get() else {
			return ensure_that(records.is_empty(), "a record exists before the first checkpoint");
		};
		ensure_that(Records::<T>::contains_key(latest), "the latest checkpoint has no record")?;
		let keep = u64::from(T::RecordsToKeep::get());
		let now: u32 = frame_system::Pallet::<T>::block_number().try_into().unwrap_or(u32::MAX);
		let set_id = SetId::<T>::get();
		let mut previous_block = None;
		for (number, record) in &records {
			ensure_that(record.number == *number, "a record is keyed by another number")?;
			ensure_that(*number <= latest, "a record is numbered past the latest checkpoint")?;
			ensure_that(latest - number < keep, "a record outside the retained window is kept")?;
			ensure_that(record.set_id <= set_id, "a record names a set that never was active")?;
			ensure_that(record.block_number <= now, "a record was taken at a future block")?;
			ensure_that(
				previous_block.is_none_or(|b| b < record.block_number),
				"checkpoint block numbers do not grow with their numbers",
			)?;
			previous_block = Some(record.block_number);
		}
		Ok(())
	}
}
