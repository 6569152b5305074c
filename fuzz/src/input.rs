//! Fuzzer input as a stream of choices. Every read takes bytes from the front; an exhausted
//! input reads as zeros, so any byte string is a valid input and the run simply ends when the
//! bytes do. Small inputs mean few, simple choices (libFuzzer grows them as coverage needs).

/// The bytes not read yet.
pub struct Input<'a> {
	rest: &'a [u8],
}

impl<'a> Input<'a> {
	/// Reads `data` from its start.
	pub fn new(data: &'a [u8]) -> Self {
		Self { rest: data }
	}

	/// Whether every byte has been read.
	pub fn is_empty(&self) -> bool {
		self.rest.is_empty()
	}

	/// Next byte, zero once the input is exhausted.
	pub fn byte(&mut self) -> u8 {
		match self.rest.split_first() {
			Some((first, rest)) => {
				self.rest = rest;
				*first
			},
			None => 0,
		}
	}

	fn bytes<const N: usize>(&mut self) -> [u8; N] {
		let mut out = [0u8; N];
		for b in out.iter_mut() {
			*b = self.byte();
		}
		out
	}

	/// Next little-endian `u32`.
	pub fn u32(&mut self) -> u32 {
		u32::from_le_bytes(self.bytes())
	}

	/// Next little-endian `u64`.
	pub fn u64(&mut self) -> u64 {
		u64::from_le_bytes(self.bytes())
	}

	/// Next little-endian `u128`.
	pub fn u128(&mut self) -> u128 {
		u128::from_le_bytes(self.bytes())
	}

	/// A number in `0..n` (zero if `n` is zero), from two bytes.
	pub fn below(&mut self, n: u32) -> u32 {
		if n == 0 {
			return 0;
		}
		u32::from(u16::from_le_bytes(self.bytes())) % n
	}

	/// A number in `low..=high`.
	pub fn between(&mut self, low: i64, high: i64) -> i64 {
		let span = (high - low + 1).clamp(1, u32::MAX as i64) as u32;
		low + self.below(span) as i64
	}

	/// One of `items` (the first if exhausted).
	pub fn pick<T: Clone>(&mut self, items: &[T]) -> T {
		items[self.below(items.len() as u32) as usize].clone()
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn reads_in_order_then_zeros() {
		let mut input = Input::new(&[1, 2, 3]);
		assert_eq!(input.byte(), 1);
		assert_eq!(input.below(1000), u32::from(u16::from_le_bytes([2, 3])) % 1000);
		assert!(input.is_empty());
		assert_eq!(input.u128(), 0);
		assert_eq!(input.between(-5, 5), -5);
	}
}
