//! The fill index on memory and on RocksDB.
use super::*;
use bourse_primitives::orderbook::Side;

fn fill(maker: u64, taker: u64, maker_order: u64, taker_order: u64) -> Fill<u64> {
	Fill {
		market: 0,
		maker_order,
		maker,
		taker_order,
		taker,
		taker_side: Side::Buy,
		price: 1_000,
		quantity: 10,
		quote: 10,
		maker_fee: 0,
		taker_fee: 0,
		block: 0,
	}
}

fn ids(fills: &[IndexedFill<u64>]) -> Vec<u64> {
	fills.iter().map(|f| f.fill_id).collect()
}

#[test]
fn fills_by_account_and_order_newest_first_with_paging() {
	let index = FillIndex::in_memory([1; 32]).expect("memory index");
	assert_eq!(index.last_indexed().expect("read"), None);
	index
		.index_block(1, [11; 32], &[(0, fill(7, 8, 100, 200)), (1, fill(7, 9, 100, 201))])
		.expect("b1");
	index.index_block(2, [12; 32], &[(2, fill(9, 7, 101, 202))]).expect("b2");
	assert_eq!(index.last_indexed().expect("read"), Some((2, [12; 32])));

	assert_eq!(ids(&index.account_fills(&7u64, None, 10).expect("read")), [2, 1, 0]);
	assert_eq!(ids(&index.account_fills(&7u64, None, 2).expect("read")), [2, 1], "limit");
	assert_eq!(ids(&index.account_fills(&7u64, Some(1), 10).expect("read")), [0], "page");
	assert_eq!(ids(&index.account_fills(&8u64, None, 10).expect("read")), [0]);
	assert_eq!(ids(&index.order_fills::<u64>(100, None, 10).expect("read")), [1, 0]);
	assert_eq!(ids(&index.order_fills::<u64>(202, None, 10).expect("read")), [2]);
	let one = index.fill::<u64>(2).expect("read").expect("indexed");
	assert_eq!((one.block_number, one.block_hash, one.fill), (2, [12; 32], fill(9, 7, 101, 202)));

	// A block at or below the last indexed one is not indexed twice.
	index.index_block(2, [12; 32], &[(3, fill(7, 8, 1, 2))]).expect("skip");
	assert_eq!(index.fill::<u64>(3).expect("read"), None);
}

#[test]
fn rocksdb_index_survives_reopen_and_refuses_another_chain_or_schema() {
	let dir = tempfile::tempdir().expect("tmp");
	let path = dir.path().join("fills");
	let index = FillIndex::open(&path, [1; 32]).expect("create");
	index.index_block(5, [5; 32], &[(0, fill(1, 2, 3, 4))]).expect("write");
	drop(index);
	let index = FillIndex::open(&path, [1; 32]).expect("reopen");
	assert_eq!(index.last_indexed().expect("read"), Some((5, [5; 32])));
	assert_eq!(ids(&index.account_fills(&2u64, None, 10).expect("read")), [0]);
	drop(index);

	let err = FillIndex::open(&path, [2; 32]).err().expect("other genesis").to_string();
	assert!(err.contains("another genesis") && err.contains(&path.display().to_string()), "{err}");
	std::fs::write(path.join("VERSION"), "9\n").expect("write");
	let err = FillIndex::open(&path, [1; 32]).err().expect("unknown schema").to_string();
	assert!(err.contains("\"9\"") && err.contains("rebuilt from the chain"), "{err}");
}
