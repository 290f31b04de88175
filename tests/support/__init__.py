"""What tests, the benchmark and the load test share: servers, ports, signing."""
