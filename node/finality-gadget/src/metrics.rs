//! Prometheus metrics of the gadget.
use substrate_prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64};

/// What an operator watches.
#[derive(Clone)]
pub struct Metrics {
	/// Signatures verified and accepted.
	pub signatures_accepted: Counter<U64>,
	/// Signatures refused (bad signature, unknown signer, equivocation).
	pub signatures_rejected: Counter<U64>,
	/// Equivocations seen.
	pub equivocations: Counter<U64>,
	/// Certificates formed or imported.
	pub certificates: Counter<U64>,
	/// Last finalized checkpoint number.
	pub last_finalized: Gauge<U64>,
	/// Time the last restore took, in microseconds.
	pub restore_micros: Gauge<U64>,
}

impl Metrics {
	/// Registers the metrics.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			signatures_accepted: register(
				Counter::new(
					"bourse_checkpoint_signatures_accepted",
					"Checkpoint signatures accepted",
				)?,
				registry,
			)?,
			signatures_rejected: register(
				Counter::new(
					"bourse_checkpoint_signatures_rejected",
					"Checkpoint signatures rejected",
				)?,
				registry,
			)?,
			equivocations: register(
				Counter::new("bourse_checkpoint_equivocations", "Checkpoint equivocations seen")?,
				registry,
			)?,
			certificates: register(
				Counter::new(
					"bourse_checkpoint_certificates",
					"Checkpoint certificates formed or imported",
				)?,
				registry,
			)?,
			last_finalized: register(
				Gauge::new("bourse_checkpoint_last_finalized", "Last finalized checkpoint number")?,
				registry,
			)?,
			restore_micros: register(
				Gauge::new(
					"bourse_checkpoint_restore_micros",
					"Duration of the last state restore (µs)",
				)?,
				registry,
			)?,
		})
	}
}
