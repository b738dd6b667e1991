//! Experiment suites: the grids of configurations a suite measures, the order trials run in, and
//! how their raw rows become summaries with confidence intervals and verdicts against targets.
//! `pktstream suite NAME` (`cli/suite_cmd.rs`) runs them, one process per trial.

pub mod apps;
pub mod queues;

/// The suites `pktstream suite NAME` knows, in the order error messages list them.
pub const SUITES: [&str; 2] = ["queues", "apps"];
