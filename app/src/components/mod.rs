//! Widgets shared by several capabilities.
