"""Speed benchmark: this assistant against the stock `rasa init` bot, measured in the same run.

`python -m bench.run` (what `make bench` calls) builds the stock bot once (cached under
var/bench/stock/), starts both bots on free loopback ports, measures start-up, REST full-turn latency,
throughput under concurrency, memory and training time, alternating between the bots round by round,
and writes the table to docs/benchmarks.md. Modules:

- `bench.servers`: building the stock bot, starting/stopping servers, /status, memory, training.
- `bench.load`: the message scripts and the sequential/concurrent REST load (bounded, loopback only).
- `bench.report`: the machine description, medians, the table and the markdown file.
- `bench.run`: the command line.
"""
