// The benchmark driver; see docs/performance.md.
