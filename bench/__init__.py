"""Benchmark harness for gql: corpus generator, scenarios, load generators and the runner."""
