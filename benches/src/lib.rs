//! Shared data-set generators for the benches.
