//! Benchmarks of pallet-checkpoint.
use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;

use frame_support::pallet_prelude::*;
use frame_system::RawOrigin;

/// `n` distinct keys (never used to sign here, so no keystore is needed).
fn validators(n: u32) -> Vec<CheckpointId> {
	(0..n)
		.map(|i| {
			let mut raw = [0u8; 32];
			raw[..4].copy_from_slice(&i.to_le_bytes());
			CheckpointId::from(sp_core::ed25519::Public::from_raw(raw))
		})
		.collect()
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_validators(v: Linear<1, { T::MaxValidators::get() }>) {
		let set = validators(v);
		#[extrinsic_call]
		_(RawOrigin::Root, set);
		assert!(PendingValidators::<T>::get().is_some());
	}

	#[benchmark]
	fn set_interval() {
		#[extrinsic_call]
		_(RawOrigin::Root, 7);
		assert_eq!(CheckpointInterval::<T>::get(), 7);
	}

	#[benchmark]
	fn on_finalize_checkpoint() {
		let set = validators(T::MaxValidators::get());
		PendingValidators::<T>::put(BoundedVec::try_from(set).expect("max size"));
		LatestCheckpoint::<T>::put(T::RecordsToKeep::get() as u64 + 1);
		let n: frame_system::pallet_prelude::BlockNumberFor<T> =
			CheckpointInterval::<T>::get().into();
		let set_before = SetId::<T>::get();
		#[block]
		{
			Pallet::<T>::on_finalize(n);
		}
		assert_eq!(SetId::<T>::get(), set_before + 1);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_raw_ext(5), crate::mock::Test);
}
