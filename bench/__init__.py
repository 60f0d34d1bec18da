"""Benchmarks: real servers, real requests, results written to bench/results/."""
