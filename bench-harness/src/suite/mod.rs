//! Experiment suites: the grids of configurations a suite measures, the order trials run in, and
//! how their raw rows become summaries with confidence intervals and verdicts against targets.
//! `pktstream suite NAME` (`cli/suite_cmd.rs`) runs them, one process per trial.

pub mod apps;
pub mod grid_files;
pub mod queues;
pub mod spec;
pub mod sweep;

/// The suites `pktstream suite NAME` knows, in the order error messages list them: the two with
/// runners of their own, then the sweep suites of `bench-harness/suites/` ([`spec::BUILT_IN`]).
pub const SUITES: [&str; 7] =
    ["queues", "apps", "jetstream", "fais", "scaling", "sharding", "latency"];
