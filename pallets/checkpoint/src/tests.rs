//! Tests of pallet-checkpoint.
use crate::{mock::*, *};
use frame_support::{assert_noop, assert_ok};
use sp_runtime::DispatchError;

#[test]
fn records_every_interval_and_prunes_beyond_retention() {
	new_test_ext(5).execute_with(|| {
		run_to_block(24);
		// Checkpoints at blocks 5, 10, 15, 20: numbers 0..=3, keep the last 3.
		assert_eq!(LatestCheckpoint::<Test>::get(), Some(3));
		assert!(Records::<Test>::get(0).is_none());
		let record = Records::<Test>::get(3).expect("latest retained");
		assert_eq!(record.block_number, 20);
		assert_eq!((record.open_orders, record.open_positions), (7, 2));
		assert_eq!(Records::<Test>::get(1).map(|r| r.block_number), Some(10));
	});
}

#[test]
fn digest_folds_changes_in_order() {
	new_test_ext(5).execute_with(|| {
		let start = StateDigest::<Test>::get();
		<Pallet<Test> as OnTradingStateChange>::note_change(b"a");
		<Pallet<Test> as OnTradingStateChange>::note_change(b"b");
		let ab = StateDigest::<Test>::get();
		assert_ne!(ab, start);
		StateDigest::<Test>::put(start);
		<Pallet<Test> as OnTradingStateChange>::note_change(b"b");
		<Pallet<Test> as OnTradingStateChange>::note_change(b"a");
		assert_ne!(StateDigest::<Test>::get(), ab, "order of changes matters");
		run_to_block(5);
		assert_eq!(
			Records::<Test>::get(0).map(|r| r.state_digest),
			Some(StateDigest::<Test>::get())
		);
	});
}

#[test]
fn new_validator_set_takes_effect_at_next_checkpoint() {
	new_test_ext(5).execute_with(|| {
		let new_set = alloc::vec![key("Charlie"), key("Dave"), key("Eve")];
		assert_ok!(Checkpoint::set_validators(RuntimeOrigin::root(), new_set.clone()));
		assert_eq!(Pallet::<Test>::validator_set().id, 0);
		run_to_block(4);
		assert_eq!(Pallet::<Test>::validator_set().validators.len(), 2);
		run_to_block(5);
		let set = Pallet::<Test>::validator_set();
		assert_eq!((set.id, set.validators), (1, new_set));
		assert_eq!(Records::<Test>::get(0).map(|r| r.set_id), Some(1));
	});
}

#[test]
fn bad_validator_sets_are_refused() {
	new_test_ext(5).execute_with(|| {
		assert_noop!(
			Checkpoint::set_validators(RuntimeOrigin::root(), alloc::vec![]),
			Error::<Test>::NoValidators
		);
		assert_noop!(
			Checkpoint::set_validators(RuntimeOrigin::root(), alloc::vec![key("A"), key("A")]),
			Error::<Test>::DuplicateValidator
		);
		let too_many = (0..9).map(|i| key(&alloc::format!("V{i}"))).collect();
		assert_noop!(
			Checkpoint::set_validators(RuntimeOrigin::root(), too_many),
			Error::<Test>::TooManyValidators
		);
		assert_noop!(
			Checkpoint::set_validators(RuntimeOrigin::signed(1), alloc::vec![key("A")]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Checkpoint::set_interval(RuntimeOrigin::root(), 0),
			Error::<Test>::ZeroInterval
		);
	});
}

#[test]
fn interval_change_moves_checkpoint_heights() {
	new_test_ext(5).execute_with(|| {
		assert_ok!(Checkpoint::set_interval(RuntimeOrigin::root(), 3));
		run_to_block(9);
		let heights: alloc::vec::Vec<u32> =
			(0..=2).filter_map(Records::<Test>::get).map(|r| r.block_number).collect();
		assert_eq!(heights, alloc::vec![3, 6, 9]);
	});
}

#[test]
fn quorum_is_more_than_two_thirds() {
	use bourse_primitives::checkpoint::quorum;
	assert_eq!([0, 1, 2, 3, 4, 5, 6, 7, 10, 100].map(quorum), [0, 1, 2, 3, 3, 4, 5, 5, 7, 67]);
}
